// The local target: a real Keycloak 24.0.5 (Java process, no Docker), the
// catalog backend, and one emulated Istio ingress gateway per region.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabError } from '../../core/errors.js';
import { REPO_ROOT } from '../../core/paths.js';
import type { Target } from '../types.js';
import { downLocal } from './down.js';
import { statusLocal } from './status.js';
import { upLocal } from './up.js';

export const localTarget: Target = {
  up: upLocal,
  down: downLocal,
  status: statusLocal,
  // The reset itself (realms back to baseline through the admin API) lives in scripts/reset/.
  async reset(cfg, opts) {
    const mod = join(REPO_ROOT, 'scripts', 'reset', 'index.ts');
    if (!existsSync(mod)) {
      throw new LabError('lab:reset is not built yet', 'scripts/reset/ has not landed in this checkout', 'npm run lab:down -- --target local && npm run lab:up -- --target local');
    }
    const { resetLab } = (await import(pathToFileURL(mod).href)) as { resetLab: Target['reset'] };
    return resetLab(cfg, opts);
  },
};
