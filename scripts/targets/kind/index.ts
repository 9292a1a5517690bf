// The kind target: three kind clusters with Istio 1.23.2 ambient, Keycloak
// 24.0.5 (Bitnami chart 21.4.4) in us-east, the lab's manifests in each.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../core/errors.js';
import { REPO_ROOT } from '../../core/paths.js';
import type { Target } from '../types.js';
import { down } from './down.js';
import { status } from './status.js';
import { up } from './up.js';

/** reset belongs to scripts/reset/ (another part of the project); use it when it offers kind. */
async function reset(...args: Parameters<Target['reset']>): Promise<number> {
  if (existsSync(join(REPO_ROOT, 'scripts', 'reset', 'index.ts'))) {
    const spec = '../../reset/index.js';
    const mod = (await import(spec)) as { resetKind?: Target['reset'] };
    if (mod.resetKind) return mod.resetKind(...args);
  }
  throw new LabError(
    '`lab:reset` is not built yet for the kind target',
    'resetting realms and manifests on kind has not landed in this checkout',
    'recreate instead: npm run lab:down -- --target kind && npm run lab:up -- --target kind',
    3,
  );
}

export const kindTarget: Target = { up, down, status, reset };
