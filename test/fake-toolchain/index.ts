// Test/bench harness for the fake kind toolchain: a private state dir, the
// fake docker/kind/helm/kubectl first on PATH, the lab CLI run as a child,
// and readers for the call log and the fake cluster state.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const FAKE_BIN = join(REPO, 'test', 'fake-toolchain', 'bin');

export interface Call {
  tool: 'docker' | 'kind' | 'helm' | 'kubectl';
  args: string[];
  pid: number;
  t: number;
  end?: number;
  code?: number;
  failed?: boolean;
}

export interface FakeCluster {
  status: 'creating' | 'ready';
  config: { nodes: Array<{ extraPortMappings: Array<{ hostPort: number; containerPort: number }> }> };
  ip: string;
  serverPid?: number;
  images: string[];
  namespaces: string[];
  objects: Record<string, { kind: string; metadata: { name: string; namespace?: string } }>;
  releases: Record<string, { name: string; status: string; chart: string; config: Record<string, unknown>; revision: number }>;
}

export interface FakeState {
  images: Record<string, { id: string }>;
  clusters: Record<string, FakeCluster>;
}

export interface LabRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface FakeLab {
  root: string;
  fakeState: string;
  labState: string;
  inotifyDir: string;
  env: Record<string, string>;
  calls(): Call[];
  state(): FakeState;
  /** Run `lab <args>` to completion. */
  lab(args: string[], env?: Record<string, string>): Promise<LabRun>;
  /** Start `lab <args>` in its own process group (so a test can Ctrl-C it like a terminal would). */
  start(args: string[], env?: Record<string, string>): { child: ChildProcess; done: Promise<LabRun> };
  /** Run one fake tool directly (a user's own cluster, a Docker restart, …); resolves with its exit code. */
  tool(name: 'docker' | 'kind' | 'helm' | 'kubectl', args: string[]): Promise<number>;
  /** Kill every fake node process and remove the temp dirs. */
  cleanup(): void;
}

export interface FakeLabOptions {
  /** LAB_PORT_OFFSET; the kind tests use 17000 (host ports 25080–27443) unless pickTestOffset chose another. */
  offset?: number;
  delayMs?: number;
  env?: Record<string, string>;
}

/** Calls that change something (a second `lab:up` must make none). */
export function isMutating(c: Pick<Call, 'tool' | 'args'>): boolean {
  const [a] = c.args;
  switch (c.tool) {
    case 'docker':
      return ['pull', 'rm', 'run', 'create', 'start', 'stop', 'kill', 'network', 'tag', 'load'].includes(a ?? '');
    case 'kind':
      return ['create', 'delete', 'load'].includes(a ?? '');
    case 'helm':
      return ['upgrade', 'install', 'uninstall', 'delete', 'rollback'].includes(a ?? '');
    case 'kubectl':
      if (a === 'create' && c.args.includes('--dry-run=client')) return false;
      return ['apply', 'create', 'delete', 'patch', 'replace', 'label', 'annotate', 'scale', 'edit', 'set', 'rollout restart'].includes(a ?? '');
  }
}

export const callLine = (c: Pick<Call, 'tool' | 'args'>) => `${c.tool} ${c.args.join(' ')}`;

export function makeFakeLab(opts: FakeLabOptions = {}): FakeLab {
  const root = mkdtempSync(join(tmpdir(), 'lab-kind-'));
  const fakeState = join(root, 'fake');
  const labState = join(root, 'lab');
  const inotifyDir = join(root, 'inotify');
  mkdirSync(fakeState, { recursive: true });
  mkdirSync(inotifyDir, { recursive: true });
  writeFileSync(join(inotifyDir, 'max_user_watches'), '524288\n');
  writeFileSync(join(inotifyDir, 'max_user_instances'), '512\n');
  const env: Record<string, string> = {
    PATH: `${FAKE_BIN}${delimiter}${process.env.PATH ?? ''}`,
    FAKE_STATE_DIR: fakeState,
    FAKE_DELAY_MS: String(opts.delayMs ?? 0),
    LAB_STATE_DIR: labState,
    LAB_CACHE_DIR: join(root, 'cache'),
    LAB_PORT_OFFSET: String(opts.offset ?? 17000),
    LAB_INOTIFY_DIR: inotifyDir,
    LAB_TARGET: 'kind',
    LAB_KIND_POLL_SECONDS: '0.2',
    LAB_KIND_READY_SECONDS: '20',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    ...opts.env,
  };

  const start = (args: string[], extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'lab.ts'), ...args], {
      cwd: REPO,
      env: { ...process.env, ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<LabRun>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
    return { child, done };
  };

  const state = (): FakeState => {
    const file = join(fakeState, 'state.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FakeState) : { images: {}, clusters: {} };
  };

  return {
    root,
    fakeState,
    labState,
    inotifyDir,
    env,
    calls: () => {
      const file = join(fakeState, 'calls.jsonl');
      if (!existsSync(file)) return [];
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Partial<Call>);
      const ends = new Map(lines.filter((l) => l.end !== undefined).map((l) => [l.pid, l]));
      return lines
        .filter((l) => l.tool)
        .map((l) => ({ ...(l as Call), end: ends.get(l.pid)?.end, code: ends.get(l.pid)?.code }));
    },
    state,
    lab: (args, extra) => start(args, extra).done,
    tool: (name, args) =>
      new Promise((res) => {
        const p = spawn(join(FAKE_BIN, name), args, { env: { ...process.env, ...env }, stdio: 'ignore' });
        p.on('close', (code) => res(code ?? 1));
      }),
    start,
    cleanup: () => {
      for (const c of Object.values(state().clusters)) {
        if (!c.serverPid) continue;
        try {
          process.kill(-c.serverPid, 'SIGKILL');
        } catch {
          try {
            process.kill(c.serverPid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** True while a process with this pid runs (a zombie waiting to be reaped counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; containers without an init that reaps leave Z entries.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/**
 * The port offset for a kind test run: LAB_KIND_TEST_PORT_OFFSET, else the
 * first of 17000, 17500, 16500 whose host ports are all free right now. The
 * `kind` vitest project runs beside the `integration` one, whose shared local
 * lab holds offset 20000 (host ports 28080–30443); these ranges (24580–27943)
 * never overlap it.
 */
export async function pickTestOffset(): Promise<number> {
  const { makeConfig, REGIONS } = await import('../../scripts/core/config.js');
  const { tryBind } = await import('../../scripts/preflight/ports.js');
  if (process.env.LAB_KIND_TEST_PORT_OFFSET) return Number(process.env.LAB_KIND_TEST_PORT_OFFSET);
  for (const offset of [17000, 17500, 16500]) {
    const cfg = makeConfig({ target: 'kind', env: { LAB_PORT_OFFSET: String(offset) } });
    const ports = [cfg.keycloakPort, ...REGIONS.flatMap((r) => [cfg.ports[r].https, cfg.ports[r].http])];
    const busy = (await Promise.all(ports.map((p) => tryBind('127.0.0.1', p)))).some(Boolean);
    if (!busy) return offset;
  }
  throw new Error('no free port range for the kind tests; set LAB_KIND_TEST_PORT_OFFSET');
}

/** HTTPS GET trusting the lab's certificate: status and body. */
export async function httpsGet(url: string, caFile: string): Promise<{ status: number; body: string }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: readFileSync(caFile), family: 4 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}
