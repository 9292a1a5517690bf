// The processes of a local lab, each as a spec: how to start it, how to tell
// it is ours, and how to tell it is healthy. `up`, `down` and `status` all
// read these, so a port or a marker is defined exactly once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, Agent } from 'undici';
import { JWKS_REFRESH_SECONDS, keycloakPublicUrl, REALMS, type LabConfig, type Region } from '../../core/config.js';
import { LabError } from '../../core/errors.js';
import { REPO_ROOT } from '../../core/paths.js';
import { CATALOG_SERVER } from '../../manifests/index.js';
import { probeRealm } from '../../keycloak/ready.js';
import { BUILD_ARGS } from './keycloak/dist.js';
import { logFile, type LocalLayout } from './layout.js';

export interface Health {
  ok: boolean;
  detail: string;
}

export interface ServiceSpec {
  name: string;
  argv: string[];
  cwd: string;
  /** Added to the parent's environment. */
  env: Record<string, string>;
  /** Substrings every live command line of this service contains (kc.sh, then java after exec). */
  markers: string[];
  ports: Array<{ port: number; what: string }>;
  log: string;
  health(): Promise<Health>;
}

/** Set on every process a lab starts, so `down` can find strays by environment (Linux). */
export const LAB_ROOT_ENV = 'LAB_LOCAL_ROOT';

/** The catalog backend listens next to Keycloak: 8091 by default, shifted by LAB_PORT_OFFSET like every port. */
export function backendPort(cfg: LabConfig): number {
  return cfg.keycloakPort + 1;
}

export const keycloakName = 'keycloak';
export const backendName = 'backend';
export const gatewayName = (region: Region) => `gateway-${region}`;

async function get(url: string, dispatcher?: Agent): Promise<number> {
  const res = await request(url, { dispatcher, headersTimeout: 3_000, bodyTimeout: 3_000 });
  await res.body.dump();
  return res.statusCode;
}

export function keycloakSpec(cfg: LabConfig, layout: LocalLayout, env: Record<string, string>): ServiceSpec {
  const home = layout.keycloakHome;
  return {
    name: keycloakName,
    argv: [
      join(home, 'bin', 'kc.sh'),
      'start-dev',
      `--http-port=${cfg.keycloakPort}`,
      `--http-host=${cfg.host}`,
      // Pin the issuer: the same `iss` whichever address a client used (reference/keycloak.md).
      `--hostname-url=${keycloakPublicUrl(cfg)}`,
      '--import-realm',
      ...BUILD_ARGS,
    ],
    cwd: home,
    env,
    // kc.sh runs as `sh <home>/bin/kc.sh …`, then execs java with -Dkc.home.dir=<home>/bin/..
    markers: [`${home}/bin/`],
    ports: [{ port: cfg.keycloakPort, what: 'Keycloak' }],
    log: logFile(layout, keycloakName),
    async health() {
      const probes = await Promise.all(REALMS.map((r) => probeRealm(cfg, r)));
      const bad = probes.filter((p) => p.state !== 'ready');
      if (bad.length === 0) return { ok: true, detail: `realms ${REALMS.join(', ')} ready, issuer pinned` };
      return { ok: false, detail: bad.map((p) => `${p.realm}: ${p.state}`).join(', ') };
    },
  };
}

export function backendSpec(cfg: LabConfig, layout: LocalLayout): ServiceSpec {
  const port = backendPort(cfg);
  return {
    name: backendName,
    argv: [process.execPath, CATALOG_SERVER],
    cwd: REPO_ROOT,
    env: { PORT: String(port), HOST: cfg.host },
    markers: [CATALOG_SERVER],
    ports: [{ port, what: 'catalog backend' }],
    log: logFile(layout, backendName),
    async health() {
      try {
        const code = await get(`http://${cfg.host}:${port}/healthz`);
        return { ok: code === 200, detail: `/healthz ${code}` };
      } catch (e) {
        return { ok: false, detail: (e as Error).message };
      }
    },
  };
}

export const GATEWAY_MAIN = join(REPO_ROOT, 'scripts', 'gateway', 'main.ts');

/**
 * Probe a gateway the way a learner would: the static page is public (200)
 * and the API without a token is refused by RBAC (403), on https and http.
 */
export async function probeGateway(cfg: LabConfig, region: Region, tlsCert: string): Promise<Health> {
  const ports = cfg.ports[region];
  const agent = new Agent({ connect: { ca: tlsCert, servername: 'localhost' } });
  const out: string[] = [];
  let ok = true;
  try {
    for (const [scheme, port] of [
      ['https', ports.https],
      ['http', ports.http],
    ] as const) {
      const base = `${scheme}://${cfg.host}:${port}`;
      const d = scheme === 'https' ? agent : undefined;
      try {
        const s = await get(`${base}/static/index.html`, d);
        const a = await get(`${base}/api/books`, d);
        if (s !== 200 || a !== 403) ok = false;
        out.push(`${scheme} static ${s} api ${a}`);
      } catch (e) {
        ok = false;
        out.push(`${scheme} ${(e as Error).message}`);
      }
    }
  } finally {
    await agent.close();
  }
  return { ok, detail: out.join(', ') };
}

/**
 * One emulated ingress gateway (scripts/gateway/main.ts) per region, run by
 * this same Node with tsx's loader: one process per gateway, no npx wrapper,
 * so the recorded pid is the gateway itself.
 */
export function gatewaySpec(
  cfg: LabConfig,
  layout: LocalLayout,
  region: Region,
  tls: { cert: string; key: string },
  baseEnv: Record<string, string>,
): ServiceSpec {
  const ports = cfg.ports[region];
  const name = gatewayName(region);
  return {
    name,
    argv: [
      process.execPath,
      '--import',
      'tsx',
      GATEWAY_MAIN,
      '--region',
      region,
      '--https-port',
      String(ports.https),
      '--http-port',
      String(ports.http),
      '--keycloak-port',
      String(cfg.keycloakPort),
      '--backend',
      `${cfg.host}:${backendPort(cfg)}`,
      '--cert',
      tls.cert,
      '--key',
      tls.key,
      '--jwks-refresh-seconds',
      String(jwksRefreshSeconds()),
    ],
    cwd: REPO_ROOT,
    env: baseEnv,
    markers: [GATEWAY_MAIN, `--region ${region}`],
    ports: [
      { port: ports.https, what: `${region} gateway https` },
      { port: ports.http, what: `${region} gateway http` },
    ],
    log: logFile(layout, name),
    async health() {
      let pem: string;
      try {
        pem = readFileSync(tls.cert, 'utf8');
      } catch (e) {
        return { ok: false, detail: `no TLS certificate: ${(e as Error).message}` };
      }
      return probeGateway(cfg, region, pem);
    },
  };
}

/**
 * The gateways' JWKS refresh interval: JWKS_REFRESH_SECONDS (istiod's
 * interval on the kind target) unless LAB_JWKS_REFRESH_SECONDS overrides it.
 */
export function jwksRefreshSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LAB_JWKS_REFRESH_SECONDS;
  if (!raw) return JWKS_REFRESH_SECONDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 86_400) {
    throw new LabError('bad LAB_JWKS_REFRESH_SECONDS', `"${raw}" is not a whole number of seconds (1..86400)`, `unset it, or e.g. LAB_JWKS_REFRESH_SECONDS=${JWKS_REFRESH_SECONDS}`);
  }
  return n;
}

/** The gateway prints `GATEWAY READY {json}` once listening; the last one from this pid has its admin port. */
export interface GatewayReady {
  https: number;
  http: number | null;
  admin: number | null;
  adminSocket?: string | null;
  pid: number;
}

export function gatewayReadyInfo(log: string, pid: number): GatewayReady | undefined {
  let text: string;
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l.startsWith('GATEWAY READY '));
  for (const l of lines.reverse()) {
    try {
      const info = JSON.parse(l.slice('GATEWAY READY '.length)) as GatewayReady;
      if (info.pid === pid) return info;
    } catch {
      // a torn line: keep looking
    }
  }
  return undefined;
}
