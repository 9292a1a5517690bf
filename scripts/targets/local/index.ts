// The local target: a real Keycloak 24.0.5 (Java process, no Docker), the
// catalog backend, and one emulated Istio ingress gateway per region.
import type { Target } from '../types.js';
import { downLocal } from './down.js';
import { statusLocal } from './status.js';
import { upLocal } from './up.js';

export const localTarget: Target = {
  up: upLocal,
  down: downLocal,
  status: statusLocal,
  // The reset itself (realms and gateway policies back to baseline) lives in
  // scripts/reset/; loaded on demand so up/down/status never pay for it.
  async reset(cfg, opts) {
    return (await import('../../reset/index.js')).resetLab(cfg, opts);
  },
};
