// How a lab sees and drives the gateway's JWKS refresh. On kind istiod
// refreshes on its own interval (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL, set by the
// kind target) and nobody can force it. The local gateway has a loopback admin
// listener (scripts/gateway/main.ts --admin-port: GET /jwks, POST
// /jwks/refresh) whose URL the local target records in state.json; without
// it, SIGHUP to the recorded pid still makes it re-fetch now.
import { request } from 'undici';
import { JWKS_REFRESH_SECONDS, type LabConfig, type Region } from '../core/config.js';
import { localLayout } from '../targets/local/layout.js';
import { readState } from '../targets/local/state.js';
import type { JwksControl } from './types.js';

async function adminCall(url: string, method: 'GET' | 'POST'): Promise<{ fetches?: number } | undefined> {
  try {
    const res = await request(url, { method, headersTimeout: 15_000, bodyTimeout: 15_000 });
    const text = await res.body.text();
    return res.statusCode === 200 ? (JSON.parse(text) as { fetches?: number }) : undefined;
  } catch {
    return undefined;
  }
}

export function kindJwksControl(): JwksControl {
  return {
    intervalSeconds: () => JWKS_REFRESH_SECONDS,
    refreshNow: async () => false,
    fetchCount: async () => undefined,
    describe: () =>
      `istiod re-fetches jwksUri every PILOT_JWT_PUB_KEY_REFRESH_INTERVAL (${JWKS_REFRESH_SECONDS}s in this lab) and pushes the keys to the gateway; it cannot be forced`,
  };
}

export function localJwksControl(env: NodeJS.ProcessEnv = process.env): JwksControl {
  const layout = localLayout(env);
  const state = () => readState(layout);
  const adminOf = (region: Region) => state()?.regions[region]?.admin;
  return {
    intervalSeconds: () => JWKS_REFRESH_SECONDS,
    async refreshNow(region) {
      const admin = adminOf(region);
      if (admin) return (await adminCall(`${admin}/jwks/refresh`, 'POST')) !== undefined;
      const pid = state()?.processes[`gateway-${region}`]?.pid;
      if (!pid) return false;
      try {
        process.kill(pid, 'SIGHUP');
        return true;
      } catch {
        return false;
      }
    },
    async fetchCount(region) {
      const admin = adminOf(region);
      return admin ? (await adminCall(`${admin}/jwks`, 'GET'))?.fetches : undefined;
    },
    describe: () => `the local gateway re-fetches every ${JWKS_REFRESH_SECONDS}s; the lab can force it (POST <admin>/jwks/refresh)`,
  };
}

export function defaultJwksControl(cfg: LabConfig, env: NodeJS.ProcessEnv = process.env): JwksControl {
  return cfg.target === 'kind' ? kindJwksControl() : localJwksControl(env);
}
