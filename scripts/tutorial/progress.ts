// Tutorial progress: which steps passed their check, kept in
// $LAB_STATE_DIR/tutorial.json (.lab/ by default) so a learner can stop and
// come back. Written atomically; a corrupt file is treated as no progress.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateDir } from '../core/paths.js';

export interface Progress {
  version: 1;
  /** step id -> ISO time its check passed */
  passed: Record<string, string>;
  /** step id -> reason it was skipped on this target */
  skipped: Record<string, string>;
  updatedAt?: string;
}

export function progressFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'tutorial.json');
}

export function emptyProgress(): Progress {
  return { version: 1, passed: {}, skipped: {} };
}

export function loadProgress(env: NodeJS.ProcessEnv = process.env): Progress {
  const file = progressFile(env);
  if (!existsSync(file)) return emptyProgress();
  try {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Partial<Progress>;
    if (p.version !== 1 || typeof p.passed !== 'object' || p.passed === null) return emptyProgress();
    return { version: 1, passed: p.passed, skipped: p.skipped ?? {}, updatedAt: p.updatedAt };
  } catch {
    return emptyProgress();
  }
}

export function saveProgress(p: Progress, env: NodeJS.ProcessEnv = process.env): void {
  const file = progressFile(env);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...p, updatedAt: new Date().toISOString() }, null, 2) + '\n');
  renameSync(tmp, file);
}

export function clearProgress(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = progressFile(env);
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}

export function markPassed(p: Progress, stepId: string, at = new Date()): Progress {
  const skipped = { ...p.skipped };
  delete skipped[stepId];
  return { ...p, passed: { ...p.passed, [stepId]: at.toISOString() }, skipped };
}

export function markSkipped(p: Progress, stepId: string, reason: string): Progress {
  return { ...p, skipped: { ...p.skipped, [stepId]: reason } };
}

/** The first step (by order) that has neither passed nor been skipped. */
export function nextStepIndex(p: Progress, ids: string[]): number {
  const i = ids.findIndex((id) => !(id in p.passed) && !(id in p.skipped));
  return i === -1 ? ids.length : i;
}
