// Preflight pieces with a stubbed process runner (no processes, no Docker):
// version floors, inotify limits, port ownership, and that each failure
// names its fix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConfig } from '../../../scripts/core/config.js';
import { resetRunner, setRunner, type RunResult } from '../../../scripts/core/proc.js';
import { runPreflight, PreflightFailed } from '../../../scripts/preflight/index.js';
import { INOTIFY_FIX, inotifyCheck } from '../../../scripts/preflight/inotify.js';
import { portChecks } from '../../../scripts/preflight/ports.js';
import { atLeast, parseVersion } from '../../../scripts/preflight/versions.js';

const limitDirs: string[] = [];
afterEach(() => {
  for (const d of limitDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A stand-in for /proc/sys/fs/inotify, removed after each test. */
function limits(watches: number, instances: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'inotify-'));
  limitDirs.push(dir);
  writeFileSync(join(dir, 'max_user_watches'), `${watches}\n`);
  writeFileSync(join(dir, 'max_user_instances'), `${instances}\n`);
  return dir;
}

/** A runner answering like a healthy toolchain, with overrides per command. */
function stubTools(over: Record<string, Partial<RunResult>> = {}) {
  const answers: Record<string, Partial<RunResult>> = {
    'docker info': { stdout: JSON.stringify({ ServerVersion: '27.3.1', MemTotal: 16 * 1024 ** 3, NCPU: 8 }) },
    'kind version': { stdout: 'kind v0.24.0 go1.22.6 linux/amd64\n' },
    'helm version': { stdout: 'v3.15.4' },
    'kubectl version': { stdout: JSON.stringify({ clientVersion: { gitVersion: 'v1.31.1' } }) },
    'curl --version': { stdout: 'curl 7.88.1 (x86_64-pc-linux-gnu)\n' },
    'kind get': { stdout: '' },
    ...over,
  };
  setRunner({
    async run(argv, opts) {
      const key = Object.keys(answers).find((k) => argv.join(' ').startsWith(k));
      const a = key ? answers[key]! : { exitCode: 127, stderr: `unexpected ${argv.join(' ')}` };
      const r: RunResult = { command: argv, exitCode: a.exitCode ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '', durationMs: 0 };
      if (opts?.reject !== false && r.exitCode !== 0) throw new Error(r.stderr);
      return r;
    },
    spawnDetached() {
      throw new Error('no processes in unit tests');
    },
  });
}

const held: Server[] = [];
afterEach(async () => {
  resetRunner();
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function hold(port: number): Promise<void> {
  const s = createServer();
  await new Promise<void>((res, rej) => s.once('error', rej).listen(port, '127.0.0.1', () => res()));
  held.push(s);
}

// Ports well away from anything the lab or other tests use.
const cfg = makeConfig({ target: 'kind', regions: ['eu-west'], env: { LAB_PORT_OFFSET: '19500' } });
const ok = limits(524288, 512);

describe('preflight', () => {
  it('compares versions against the floors', () => {
    expect(atLeast(parseVersion('kind v0.20.0 go1.20')!, '0.20.0')).toBe(true);
    expect(atLeast(parseVersion('v3.7.2+g663a896')!, '3.8.0')).toBe(false);
    expect(atLeast(parseVersion('v3.10.0')!, '3.8.0')).toBe(true);
    expect(atLeast(parseVersion('v1.26.9')!, '1.27.0')).toBe(false);
  });

  it('passes with a healthy toolchain, free ports and high inotify limits', async () => {
    stubTools();
    const report = await runPreflight(cfg, { env: { LAB_INOTIFY_DIR: ok } });
    expect(report.outcomes.filter((o) => o.status === 'fail')).toEqual([]);
    expect(report.outcomes.map((o) => o.name)).toEqual(expect.arrayContaining(['docker', 'kind', 'helm', 'kubectl', 'curl', 'inotify', 'port 28943', 'port 28580']));
  });

  it('refuses an old helm and says how to upgrade', async () => {
    stubTools({ 'helm version': { stdout: 'v3.7.2' } });
    const e = (await runPreflight(cfg, { env: { LAB_INOTIFY_DIR: ok } }).catch((x) => x)) as PreflightFailed;
    expect(e).toBeInstanceOf(PreflightFailed);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]!.what).toBe('helm v3.7.2 is too old');
    expect(e.problems[0]!.fix).toMatch(/get-helm-3|brew (install|upgrade) helm/);
    expect(e.format()).toContain('fix:');
  });

  it('reports a missing Docker engine with the command that starts it', async () => {
    stubTools({ 'docker info': { exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' } });
    const e = (await runPreflight(cfg, { env: { LAB_INOTIFY_DIR: ok } }).catch((x) => x)) as PreflightFailed;
    expect(e.problems.map((p) => p.what)).toEqual(['the Docker engine does not answer']);
    expect(e.problems[0]!.fix).toMatch(/systemctl start docker|open -a Docker/);
  });

  it('flags low inotify limits with the exact sysctl fix', () => {
    const r = inotifyCheck(limits(8192, 128));
    expect(r.status).toBe('fail');
    expect(r.problem!.why).toContain('fs.inotify.max_user_watches is 8192, needs ≥ 524288');
    expect(r.problem!.why).toContain('fs.inotify.max_user_instances is 128, needs ≥ 512');
    expect(r.problem!.fix).toBe(INOTIFY_FIX);
    expect(INOTIFY_FIX).toContain('sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512');
    expect(inotifyCheck(join(tmpdir(), 'no-such-inotify-dir')).status).toBe('skip');
  });

  it('warns (does not fail) when Docker has little memory', async () => {
    stubTools({ 'docker info': { stdout: JSON.stringify({ ServerVersion: '27', MemTotal: 4 * 1024 ** 3 }) } });
    const report = await runPreflight(cfg, { env: { LAB_INOTIFY_DIR: ok } });
    expect(report.warnings.map((w) => w.what)).toEqual(['Docker can use 4.0 GiB of memory']);
    expect(report.warnings[0]!.fix).toContain('--regions us-east');
  });

  it('finds a busy port by binding it, and accepts ports the lab’s own cluster publishes', async () => {
    await hold(28580);
    const busy = await portChecks('127.0.0.1', [{ port: 28580, purpose: 'eu-west gateway http' }]);
    expect(busy[0]!.status).toBe('fail');
    expect(busy[0]!.problem!.fix).toContain('lsof -nP -iTCP:28580 -sTCP:LISTEN');
    const ours = await portChecks('127.0.0.1', [
      { port: 28580, purpose: 'eu-west gateway http', ownedBy: { cluster: 'bookstore-platform-eu-west', published: [28943, 28580] } },
    ]);
    expect(ours[0]!.status).toBe('ok');
    const moved = await portChecks('127.0.0.1', [
      { port: 28580, purpose: 'eu-west gateway http', ownedBy: { cluster: 'bookstore-platform-eu-west', published: [9080] } },
    ]);
    expect(moved[0]!.status).toBe('fail');
    expect(moved[0]!.problem!.fix).toContain('lab:down');
  });

  it('skips inotify and port binding for a region whose cluster exists (a re-run)', async () => {
    await hold(28580);
    const inspect = [{ Name: '/bookstore-platform-eu-west-control-plane', State: { Running: true }, HostConfig: { PortBindings: { '30080/tcp': [{ HostPort: '28580' }], '30443/tcp': [{ HostPort: '28943' }] } } }];
    stubTools({ 'kind get': { stdout: 'bookstore-platform-eu-west\n' }, 'docker inspect': { stdout: JSON.stringify(inspect) } });
    const report = await runPreflight(cfg, { env: { LAB_INOTIFY_DIR: limits(1, 1) } });
    expect(report.existing).toEqual(['eu-west']);
    expect(report.outcomes.find((o) => o.name === 'inotify')!.status).toBe('skip');
  });
});
