// Where things live. LAB_STATE_DIR and LAB_CACHE_DIR exist so tests (and two
// checkouts) can run side by side without sharing state.
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { mkdirSync, chmodSync } from 'node:fs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MANIFESTS_DIR = join(REPO_ROOT, 'manifests');
export const REALMS_DIR = join(REPO_ROOT, 'realms');
export const LABS_DIR = join(REPO_ROOT, 'labs');
/** ../shared/reference when the project sits in the workplace; absent in a user's clone. */
export const SHARED_REFERENCE_DIR = resolve(REPO_ROOT, '..', 'shared', 'reference');

/**
 * State tied to one running lab, under the state dir: its secrets, saved
 * tokens, lab outputs and break records. `lab:down` removes them (unless the
 * other target still runs on them); tutorial progress and logs stay.
 */
export const LAB_BOUND_STATE = ['secrets', 'tokens', 'labs', 'breaks.json'] as const;

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LAB_STATE_DIR ?? join(REPO_ROOT, '.lab'));
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.LAB_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bookstore-auth-lab');
  return resolve(base);
}

/** A directory only the user can read (secrets, tokens, pid files). */
export function privateDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  return path;
}
