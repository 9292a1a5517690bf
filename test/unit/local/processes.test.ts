import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import {
  identify,
  readRecord,
  readRecords,
  removeRecord,
  running,
  startRecorded,
  stopRecorded,
  type ProcRecord,
} from '../../../scripts/targets/local/processes.js';
import { pidAlive } from '../../../scripts/targets/local/lock.js';

const linux = process.platform === 'linux';
let dir: string;
const started: ProcRecord[] = [];

function start(name: string, script: string, markers: string[]): ProcRecord {
  const rec = startRecorded(join(dir, 'pids'), { name, argv: ['sh', '-c', script], markers, log: join(dir, `${name}.log`), cwd: dir });
  started.push(rec);
  return rec;
}

/** A running (non-zombie) member of the process group, as `ps` sees it. */
function groupAlive(pgid: number): boolean {
  const out = execFileSync('ps', ['-A', '-o', 'pgid=,stat=']).toString();
  return out.split('\n').some((l) => {
    const [g, stat] = l.trim().split(/\s+/);
    return Number(g) === pgid && stat !== undefined && !stat.startsWith('Z');
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'proc-test-'));
});
afterEach(() => {
  // Never leave a test process behind, whatever the test did.
  for (const r of started.splice(0)) {
    try {
      process.kill(-r.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('pid files', () => {
  it('records pid, markers and start time right after spawning', () => {
    const rec = start('svc', 'exec sleep 30 # marker-rec', ['marker-rec']);
    expect(readFileSync(join(dir, 'pids', 'svc.pid'), 'utf8').trim()).toBe(String(rec.pid));
    expect(readRecord(join(dir, 'pids'), 'svc')).toMatchObject({ pid: rec.pid, markers: ['marker-rec'] });
    if (linux) expect(rec.startTicks).toMatch(/^\d+$/);
    expect(readRecords(join(dir, 'pids')).map((r) => r.name)).toEqual(['svc']);
    removeRecord(join(dir, 'pids'), 'svc');
    expect(existsSync(join(dir, 'pids', 'svc.pid'))).toBe(false);
    expect(readRecords(join(dir, 'pids'))).toEqual([]);
  });
});

describe('identify', () => {
  it('says ours only while the command line and start time still match', async () => {
    const rec = start('svc', 'sleep 30; : marker-id', ['marker-id']);
    expect(await identify(rec)).toBe('ours');
    // Same pid, different program (what a reused pid looks like).
    expect(await identify({ ...rec, markers: ['some-other-program'] })).toBe('foreign');
    if (linux) expect(await identify({ ...rec, startTicks: '1' })).toBe('foreign');
    process.kill(-rec.pid, 'SIGKILL');
    await sleep(200);
    expect(await identify(rec)).toBe('dead');
  });
});

describe('stopRecorded', () => {
  it('stops the whole process group with SIGTERM', async () => {
    // The shell and its background child share the group; both must go.
    const rec = start('svc', 'sleep 300 & sleep 301; : marker-term', ['marker-term']);
    await sleep(100);
    expect(groupAlive(rec.pid)).toBe(true);
    expect(await stopRecorded(rec, 3_000)).toBe('stopped');
    expect(groupAlive(rec.pid)).toBe(false);
  });

  it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
    const rec = start('svc', "trap '' TERM; sleep 300; : marker-kill", ['marker-kill']);
    await sleep(100);
    expect(await stopRecorded(rec, 500)).toBe('killed');
    // Killed, maybe not yet reaped by this worker: a zombie is not running.
    expect(running(rec.pid)).toBe(false);
  });

  it('never signals a pid whose identity changed', async () => {
    const rec = start('svc', 'sleep 30; : marker-foreign', ['marker-foreign']);
    expect(await stopRecorded({ ...rec, markers: ['not-this-one'] }, 500)).toBe('not-ours');
    expect(pidAlive(rec.pid)).toBe(true);
  });

  it.runIf(linux)('finds children left in the group after the leader crashed', async () => {
    // Leader exits at once; its background child keeps running in the same group.
    const rec = start('svc', 'sleep 300 & exit 0', ['sleep 300']);
    await sleep(300);
    expect(pidAlive(rec.pid)).toBe(false);
    expect(groupAlive(rec.pid)).toBe(true);
    expect(await stopRecorded(rec, 2_000)).toBe('stopped');
    expect(groupAlive(rec.pid)).toBe(false);
  });

  it('reports a dead process as not running', async () => {
    const rec = start('svc', 'exit 0', ['nothing']);
    await sleep(200);
    expect(await stopRecorded(rec, 500)).toBe('not-running');
  });
});
