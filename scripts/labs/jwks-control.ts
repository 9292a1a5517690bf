// How a lab sees and drives the gateway's JWKS refresh. On kind istiod
// refreshes on its own interval (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL, set by the
// kind target) and nobody can force it. The local gateway has a control
// channel (scripts/gateway/control.ts) on a unix socket whose path the local
// target records in state.json: GET /jwks, POST /jwks/refresh[?restart=1].
import { JWKS_REFRESH_SECONDS, type LabConfig, type Region } from '../core/config.js';
import { GatewayControl } from '../gateway/control-client.js';
import { localLayout } from '../targets/local/layout.js';
import { readState } from '../targets/local/state.js';
import { join } from 'node:path';
import type { JwksControl } from './types.js';

/** A lab only reports what the gateway says; a silent gateway is "unknown", not an error. */
async function quietly<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch {
    return undefined;
  }
}

export function kindJwksControl(): JwksControl {
  return {
    intervalSeconds: async () => JWKS_REFRESH_SECONDS,
    refreshNow: async () => false,
    fetchCount: async () => undefined,
    describe: () =>
      `istiod re-fetches jwksUri every PILOT_JWT_PUB_KEY_REFRESH_INTERVAL (${JWKS_REFRESH_SECONDS}s in this lab) and pushes the keys to the gateway; it cannot be forced`,
  };
}

export function localJwksControl(env: NodeJS.ProcessEnv = process.env): JwksControl {
  const layout = localLayout(env);
  const gateway = (region: Region) =>
    new GatewayControl(region, readState(layout)?.regions[region]?.adminSocket ?? join(layout.root, `gateway-${region}.sock`));
  return {
    async intervalSeconds(region) {
      return (await quietly(() => gateway(region).jwks()))?.refreshSeconds ?? JWKS_REFRESH_SECONDS;
    },
    async refreshNow(region, opts = {}) {
      const g = gateway(region);
      return (await quietly(() => (opts.restartTimer ? g.refreshJwks() : g.refreshJwksKeepTimer()))) !== undefined;
    },
    async fetchCount(region) {
      return (await quietly(() => gateway(region).jwks()))?.fetches;
    },
    describe: () => 'the local gateway re-fetches on its own interval; the lab can force it through the control socket (POST /jwks/refresh)',
  };
}

export function defaultJwksControl(cfg: LabConfig, env: NodeJS.ProcessEnv = process.env): JwksControl {
  return cfg.target === 'kind' ? kindJwksControl() : localJwksControl(env);
}
