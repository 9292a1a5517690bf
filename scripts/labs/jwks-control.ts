// How a lab sees and drives the gateway's JWKS refresh. On kind istiod
// refreshes on its own interval (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL, set by the
// kind target) and nobody can force it; the local gateway can be told to
// re-fetch now.
import { JWKS_REFRESH_SECONDS, type LabConfig } from '../core/config.js';
import type { JwksControl } from './types.js';

export function defaultJwksControl(cfg: LabConfig, _env: NodeJS.ProcessEnv = process.env): JwksControl {
  return {
    intervalSeconds: () => JWKS_REFRESH_SECONDS,
    refreshNow: async () => false,
    fetchCount: async () => undefined,
    describe: () =>
      cfg.target === 'kind'
        ? `istiod re-fetches jwksUri every PILOT_JWT_PUB_KEY_REFRESH_INTERVAL (${JWKS_REFRESH_SECONDS}s in this lab) and pushes the keys to the gateway; it cannot be forced`
        : `the gateway re-fetches every ${JWKS_REFRESH_SECONDS}s`,
  };
}
