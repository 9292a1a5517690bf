// Several kind clusters (and Istio's CNI agent and ztunnel in each) exhaust
// the default inotify limits; the symptom is "too many open files", often
// only in the second or third cluster (kind known issues).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckOutcome } from './problem.js';

export const INOTIFY_MIN = { max_user_watches: 524288, max_user_instances: 512 } as const;
export const DEFAULT_INOTIFY_DIR = '/proc/sys/fs/inotify';

/** LAB_INOTIFY_DIR lets tests point the check at fake limits. */
export function inotifyDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LAB_INOTIFY_DIR ?? DEFAULT_INOTIFY_DIR;
}

export const INOTIFY_FIX =
  `sudo sysctl fs.inotify.max_user_watches=${INOTIFY_MIN.max_user_watches} fs.inotify.max_user_instances=${INOTIFY_MIN.max_user_instances}` +
  `   (to keep it after a reboot: printf 'fs.inotify.max_user_watches=${INOTIFY_MIN.max_user_watches}\\nfs.inotify.max_user_instances=${INOTIFY_MIN.max_user_instances}\\n' | sudo tee /etc/sysctl.d/99-kind.conf)`;

export function inotifyCheck(dir = inotifyDir()): CheckOutcome {
  if (!existsSync(dir)) {
    // macOS/Windows: the limits live inside Docker Desktop's VM, which sets them generously.
    return { name: 'inotify', status: 'skip', detail: `${dir} not present (not Linux); Docker Desktop's VM manages these limits` };
  }
  const low: string[] = [];
  const seen: string[] = [];
  for (const [key, min] of Object.entries(INOTIFY_MIN)) {
    const raw = readFileSync(join(dir, key), 'utf8').trim();
    const value = Number(raw);
    seen.push(`${key}=${raw}`);
    if (!Number.isFinite(value) || value < min) low.push(`fs.inotify.${key} is ${raw}, needs ≥ ${min}`);
  }
  if (low.length) {
    return {
      name: 'inotify',
      status: 'fail',
      detail: seen.join(', '),
      problem: {
        what: 'inotify limits are too low for three kind clusters',
        why: `${low.join('; ')}; pods in the 2nd or 3rd cluster then fail with "too many open files"`,
        fix: INOTIFY_FIX,
      },
    };
  }
  return { name: 'inotify', status: 'ok', detail: seen.join(', ') };
}
