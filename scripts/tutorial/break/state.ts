// Which breaks are in place, and the last change the platform refused.
// $LAB_STATE_DIR/breaks.json: read by `tutorial --list`, by `fix` (to find
// what it added) and by doctor (the refused apply is evidence, like kubectl's
// output would be). Cleared by `lab:reset`.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateDir } from '../../core/paths.js';

export interface RejectedApply {
  at: string;
  /** Kind/namespace/name of the refused document. */
  object: string;
  message: string;
}

export interface BreakState {
  active: Record<string, { at: string; variant?: string; detail?: Record<string, string> }>;
  rejected?: RejectedApply;
}

export function breakStateFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'breaks.json');
}

export function loadBreakState(env: NodeJS.ProcessEnv = process.env): BreakState {
  const f = breakStateFile(env);
  if (!existsSync(f)) return { active: {} };
  try {
    const s = JSON.parse(readFileSync(f, 'utf8')) as BreakState;
    return { active: s.active ?? {}, rejected: s.rejected };
  } catch {
    return { active: {} };
  }
}

export function saveBreakState(s: BreakState, env: NodeJS.ProcessEnv = process.env): void {
  const f = breakStateFile(env);
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(`${f}.tmp`, JSON.stringify(s, null, 2) + '\n');
  renameSync(`${f}.tmp`, f);
}

export function updateBreakState(fn: (s: BreakState) => BreakState, env: NodeJS.ProcessEnv = process.env): BreakState {
  const next = fn(loadBreakState(env));
  saveBreakState(next, env);
  return next;
}

export function clearBreakState(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(breakStateFile(env), { force: true });
}
