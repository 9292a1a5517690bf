import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '../../../scripts/targets/local/lock.js';
import { LabError } from '../../../scripts/core/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lock-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('withLock', () => {
  it('runs holders one at a time and releases the lock', async () => {
    const lock = join(dir, 'l');
    const events: string[] = [];
    const job = (n: string) =>
      withLock(lock, async () => {
        events.push(`${n}+`);
        await sleep(50);
        events.push(`${n}-`);
      });
    await Promise.all([job('a'), job('b')]);
    expect(events).toEqual(['a+', 'a-', 'b+', 'b-']);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose owner process is gone', async () => {
    const lock = join(dir, 'l');
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), '999999999');
    expect(await withLock(lock, async () => 'ran', { timeoutMs: 2_000 })).toBe('ran');
  });

  it('times out with a LabError naming the holder', async () => {
    const lock = join(dir, 'l');
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), String(process.ppid));
    let waitedFor: number | undefined;
    const err = await withLock(lock, async () => 'x', { timeoutMs: 300, onWait: (p) => (waitedFor = p) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(waitedFor).toBe(process.ppid);
    expect((err as LabError).fix).toContain(`rm -rf ${lock}`);
  });
});
