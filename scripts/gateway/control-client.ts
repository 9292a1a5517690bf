// The client of the gateway's control channel (scripts/gateway/control.ts), used
// by reset, the tutorial, doctor and the labs. Talking to a running local gateway: what policies and keys it holds NOW,
// swapping its policies (a break, a reset) and forcing a JWKS refresh. The
// gateway serves this on a unix socket in the lab's state dir, not on a TCP
// port, so nothing a learner curls at the gateway can reach it (a real Istio
// gateway has no such paths either) and no port needs allocating.
import { request } from 'node:http';
import { join } from 'node:path';
import type { Region } from '../core/config.js';
import { LabError } from '../core/errors.js';
import { stateDir } from '../core/paths.js';
import type { Jwks } from '../engine/types.js';
import type { KubeDoc } from '../manifests/index.js';

/** Unix socket of a region's gateway control channel. */
export function gatewayControlSocket(region: Region, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'local', `gateway-${region}.sock`);
}

export interface ControlPolicies {
  docs: KubeDoc[];
  /** Where the gateway's current policies came from ("rendered manifests/", "applied by lab tutorial break ..."). */
  source: string;
  loadedAt: string;
}

/** One tracked key set, as the gateway's admin API reports it (scripts/gateway/main.ts). */
export interface ControlJwksEntry {
  /** jwksUri (or discovery key) as the engine names it. */
  key: string;
  jwks?: Jwks;
  /** ms since epoch of the last successful fetch. */
  lastSuccess?: number;
  lastError?: string;
  fetches: number;
}

export interface ControlJwks {
  refreshSeconds: number;
  fetches: number;
  entries: ControlJwksEntry[];
}

export interface ControlApply {
  applied: boolean;
  errors?: string[];
}

async function call<T>(socketPath: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; json: T }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, method, path, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, json: (text ? JSON.parse(text) : {}) as T });
          } catch {
            reject(new Error(`gateway control ${method} ${path}: not JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`gateway control ${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function unreachable(region: Region, e: unknown): LabError {
  return new LabError(
    `the ${region} gateway's control channel does not answer`,
    (e as Error).message,
    'npm run lab:status -- --target local   (then `npm run lab:up -- --target local` to restart what is down)',
  );
}

export class GatewayControl {
  constructor(
    readonly region: Region,
    readonly socketPath = gatewayControlSocket(region),
  ) {}

  async policies(): Promise<ControlPolicies> {
    try {
      return (await call<ControlPolicies>(this.socketPath, 'GET', '/policies')).json;
    } catch (e) {
      throw unreachable(this.region, e);
    }
  }

  /** Replace the gateway's security policies; validation first, as istiod's webhook would. */
  async setPolicies(docs: KubeDoc[], source: string): Promise<ControlApply> {
    try {
      const r = await call<ControlApply>(this.socketPath, 'PUT', '/policies', { docs, source });
      return r.json;
    } catch (e) {
      throw unreachable(this.region, e);
    }
  }

  async jwks(): Promise<ControlJwks> {
    try {
      return (await call<ControlJwks>(this.socketPath, 'GET', '/jwks')).json;
    } catch (e) {
      throw unreachable(this.region, e);
    }
  }

  /** Fetch now and leave the refresh timer alone (a lab watching the natural schedule). */
  async refreshJwksKeepTimer(): Promise<{ fetches: number }> {
    try {
      return (await call<{ fetches: number }>(this.socketPath, 'POST', '/jwks/refresh', {}, 15_000)).json;
    } catch (e) {
      throw unreachable(this.region, e);
    }
  }

  /** Fetch now and restart the refresh timer, so the next refresh is one full interval away. */
  async refreshJwks(): Promise<{ fetches: number }> {
    try {
      return (await call<{ fetches: number }>(this.socketPath, 'POST', '/jwks/refresh?restart=1', {}, 15_000)).json;
    } catch (e) {
      throw unreachable(this.region, e);
    }
  }
}
