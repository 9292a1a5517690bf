// A cross-process lock as a directory (mkdir is atomic everywhere), holding
// the owner's pid so a lock left by a killed process is taken over instead of
// blocking forever. Used around the shared Keycloak cache and around `up`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../../core/errors.js';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(dir: string): number | undefined {
  try {
    const n = Number(readFileSync(join(dir, 'owner'), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export interface LockOptions {
  timeoutMs?: number;
  /** Called once when the lock is busy, with the holder's pid. */
  onWait?: (holder: number | undefined) => void;
}

export async function withLock<T>(dir: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15 * 60_000);
  let told = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'owner'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = ownerOf(dir);
      // No owner file yet means the holder is between mkdir and write; give it a moment.
      if (holder !== undefined && !pidAlive(holder)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!told) {
        opts.onWait?.(holder);
        told = true;
      }
      if (Date.now() > deadline) {
        throw new LabError(
          `timed out waiting for the lock ${dir}`,
          `process ${holder ?? '(unknown)'} holds it`,
          `wait for that process to finish, or if it is gone: rm -rf ${dir}`,
        );
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    if (ownerOf(dir) === process.pid) rmSync(dir, { recursive: true, force: true });
  }
}
