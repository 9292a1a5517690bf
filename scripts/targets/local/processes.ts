// Pid files and process identity for the local target. A pid alone is not
// proof: after a crash or reboot the number may belong to someone else. A
// process is "ours" only if it is alive, its command line still contains the
// markers we recorded, and (on Linux) its start time is the one we saw at spawn.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, spawnDetached } from '../../core/proc.js';
import { pidAlive } from './lock.js';

export interface ProcRecord {
  name: string;
  pid: number;
  argv: string[];
  /** Substrings the live command line must contain. */
  markers: string[];
  /** /proc/<pid>/stat start time (clock ticks since boot); Linux only. */
  startTicks?: string;
  port?: number;
  log: string;
  startedAt: string;
}

const LINUX = process.platform === 'linux' && existsSync('/proc/self/stat');

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Fields of /proc/<pid>/stat after the command name (which may hold spaces,
 * so split after its closing parenthesis): 0 = state, 2 = pgrp, 19 = start time.
 */
function statField(pid: number, index: number): string | undefined {
  if (!LINUX) return undefined;
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[index];
}

export function startTicksOf(pid: number): string | undefined {
  return statField(pid, 19);
}

function pgidOf(pid: number): number | undefined {
  const v = statField(pid, 2);
  return v === undefined ? undefined : Number(v);
}

export async function commandLineOf(pid: number): Promise<string | undefined> {
  if (LINUX) return readProc(pid, 'cmdline')?.split('\0').join(' ').trim() || undefined;
  const r = await run(['ps', '-o', 'command=', '-p', String(pid)], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
}

/** Alive and not a zombie (an orphan waits a moment for init to reap it). */
export function running(pid: number): boolean {
  return pidAlive(pid) && statField(pid, 0) !== 'Z';
}

export type Identity = 'ours' | 'dead' | 'foreign';

export async function identify(rec: ProcRecord): Promise<Identity> {
  if (!pidAlive(rec.pid)) return 'dead';
  // A zombie is as good as dead; it only waits for its parent.
  if (statField(rec.pid, 0) === 'Z') return 'dead';
  const cmd = await commandLineOf(rec.pid);
  if (!cmd) return 'dead';
  if (!rec.markers.every((m) => cmd.includes(m))) return 'foreign';
  if (rec.startTicks && LINUX && startTicksOf(rec.pid) !== rec.startTicks) return 'foreign';
  return 'ours';
}

// ── pid files ────────────────────────────────────────────────────────────────

export function writeRecord(pidsDir: string, rec: ProcRecord): void {
  mkdirSync(pidsDir, { recursive: true, mode: 0o700 });
  // The plain .pid is for people (`kill $(cat …)`); the .json is what `down` trusts.
  writeFileSync(join(pidsDir, `${rec.name}.pid`), `${rec.pid}\n`, { mode: 0o600 });
  writeFileSync(join(pidsDir, `${rec.name}.json`), JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
}

export function readRecord(pidsDir: string, name: string): ProcRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(pidsDir, `${name}.json`), 'utf8')) as ProcRecord;
  } catch {
    return undefined;
  }
}

export function readRecords(pidsDir: string): ProcRecord[] {
  if (!existsSync(pidsDir)) return [];
  return readdirSync(pidsDir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => readRecord(pidsDir, n.slice(0, -'.json'.length)))
    .filter((r): r is ProcRecord => r !== undefined);
}

export function removeRecord(pidsDir: string, name: string): void {
  rmSync(join(pidsDir, `${name}.pid`), { force: true });
  rmSync(join(pidsDir, `${name}.json`), { force: true });
}

/** Start a detached process (own process group) and record it before anything else can go wrong. */
export function startRecorded(
  pidsDir: string,
  spec: { name: string; argv: string[]; markers: string[]; env?: Record<string, string | undefined>; cwd?: string; port?: number; log: string },
): ProcRecord {
  const pid = spawnDetached(spec.argv, { cwd: spec.cwd, env: spec.env, logFile: spec.log });
  const rec: ProcRecord = {
    name: spec.name,
    pid,
    argv: spec.argv,
    markers: spec.markers,
    startTicks: startTicksOf(pid),
    port: spec.port,
    log: spec.log,
    startedAt: new Date().toISOString(),
  };
  writeRecord(pidsDir, rec);
  return rec;
}

// ── stopping ─────────────────────────────────────────────────────────────────

/**
 * Does the group still have a running member? Zombies do not count: children
 * orphaned by a killed leader are reaped by init, which may take a second.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!LINUX) return true;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (pgidOf(pid) === pgid && statField(pid, 0) !== 'Z') return true;
  }
  return false;
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // already gone
  }
}

/** Members of a process group whose command line carries our marker (the leader may be gone). */
async function orphansOf(rec: ProcRecord): Promise<number[]> {
  const found: number[] = [];
  if (LINUX) {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const pid = Number(d);
      if (pgidOf(pid) !== rec.pid) continue;
      const cmd = await commandLineOf(pid);
      if (cmd && rec.markers.some((m) => cmd.includes(m))) found.push(pid);
    }
    return found;
  }
  const r = await run(['ps', '-A', '-o', 'pid=,pgid=,command='], { reject: false });
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m && Number(m[2]) === rec.pid && rec.markers.some((k) => m[3]!.includes(k))) found.push(Number(m[1]));
  }
  return found;
}

async function waitGone(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!check()) return true;
    await sleep(100);
  }
  return !check();
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running' | 'not-ours';

/**
 * SIGTERM the recorded process group, SIGKILL what is left after the grace
 * period. Never signals a pid whose identity no longer matches the record.
 */
export async function stopRecorded(rec: ProcRecord, graceMs = 10_000): Promise<StopOutcome> {
  const who = await identify(rec);
  if (who === 'foreign') return 'not-ours';
  if (who === 'ours') {
    signalGroup(rec.pid, 'SIGTERM');
    if (await waitGone(() => groupAlive(rec.pid), graceMs)) return 'stopped';
    signalGroup(rec.pid, 'SIGKILL');
    await waitGone(() => groupAlive(rec.pid), 5_000);
    return 'killed';
  }
  // Leader dead: a crash can leave its children running in the group.
  const orphans = await orphansOf(rec);
  if (orphans.length === 0) return 'not-running';
  for (const pid of orphans) signalSafe(pid, 'SIGTERM');
  if (!(await waitGone(() => orphans.some(running), graceMs))) for (const pid of orphans) signalSafe(pid, 'SIGKILL');
  return 'stopped';
}

function signalSafe(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

/**
 * Last resort for an exiting parent (no time for async work): SIGKILL every
 * recorded group still proven ours by /proc. Linux only; elsewhere `lab:down`
 * does the job on the next run.
 */
export function killRecordedSync(pidsDir: string): number[] {
  if (!LINUX) return [];
  const killed: number[] = [];
  for (const rec of readRecords(pidsDir)) {
    const cmd = readProc(rec.pid, 'cmdline')?.split('\0').join(' ');
    if (!cmd || !rec.markers.every((m) => cmd.includes(m))) continue;
    if (rec.startTicks && startTicksOf(rec.pid) !== rec.startTicks) continue;
    try {
      process.kill(-rec.pid, 'SIGKILL');
      killed.push(rec.pid);
    } catch {
      // gone
    }
  }
  return killed;
}
