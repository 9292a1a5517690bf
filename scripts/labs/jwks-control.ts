// How a lab sees and drives the gateway's JWKS refresh. On kind istiod
// refreshes on its own interval (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL, set by the
// kind target) and nobody can force it. The local gateway has a control
// channel (scripts/gateway/control.ts) on a unix socket whose path the local
// target records in state.json: GET /jwks, POST /jwks/refresh[?restart=1].
import { request } from 'node:http';
import { JWKS_REFRESH_SECONDS, type LabConfig, type Region } from '../core/config.js';
import { localLayout } from '../targets/local/layout.js';
import { readState } from '../targets/local/state.js';
import { join } from 'node:path';
import type { JwksControl } from './types.js';

interface ControlJwks {
  refreshSeconds?: number;
  fetches?: number;
}

/** One JSON call on the gateway's control socket; undefined when nothing answers. */
function control(socketPath: string, method: 'GET' | 'POST', path: string): Promise<ControlJwks | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath, method, path, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as ControlJwks) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
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
  const socketOf = (region: Region) => readState(layout)?.regions[region]?.adminSocket ?? join(layout.root, `gateway-${region}.sock`);
  return {
    async intervalSeconds(region) {
      return (await control(socketOf(region), 'GET', '/jwks'))?.refreshSeconds ?? JWKS_REFRESH_SECONDS;
    },
    async refreshNow(region, opts = {}) {
      const answer = await control(socketOf(region), 'POST', `/jwks/refresh${opts.restartTimer ? '?restart=1' : ''}`);
      return answer !== undefined;
    },
    async fetchCount(region) {
      return (await control(socketOf(region), 'GET', '/jwks'))?.fetches;
    },
    describe: () => 'the local gateway re-fetches on its own interval; the lab can force it through the control socket (POST /jwks/refresh)',
  };
}

export function defaultJwksControl(cfg: LabConfig, env: NodeJS.ProcessEnv = process.env): JwksControl {
  return cfg.target === 'kind' ? kindJwksControl() : localJwksControl(env);
}
