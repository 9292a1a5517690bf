// $LAB_STATE_DIR/local/state.json: what a running local lab exposes. The labs
// and doctor take ports from the LabConfig; this file records what actually
// runs (pids, logs, URLs) for status, tests and people.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gatewayUrl, keycloakPublicUrl, REGIONS, type LabConfig, type Region } from '../../core/config.js';
import type { LocalLayout } from './layout.js';
import type { ProcRecord } from './processes.js';
import { backendPort, gatewayName, gatewayReadyInfo, jwksRefreshSeconds } from './services.js';

export interface LocalState {
  target: 'local';
  /** The config the lab was started with: status and down probe what runs, whatever LAB_PORT_OFFSET says now. */
  config: LabConfig;
  keycloakUrl: string;
  adminConsole: string;
  regions: Partial<Record<Region, { https: string; http: string; /** the gateway's control API (GET /jwks, POST /jwks/refresh, …) on a unix socket (0600) */ adminSocket?: string }>>;
  jwksRefreshSeconds: number;
  backend: { host: string; port: number; url: string };
  processes: Record<string, { pid: number; port?: number; log: string; startedAt: string }>;
  tls: { cert: string };
  keycloakHome: string;
  logs: string;
  secrets: string;
  updatedAt: string;
}

export function buildState(cfg: LabConfig, layout: LocalLayout, records: ProcRecord[], secretsFile: string, certFile: string): LocalState {
  // An `up --regions us-east` after a full `up` keeps the other gateways: list every one that runs.
  const live = REGIONS.filter((r) => cfg.regions.includes(r) || records.some((x) => x.name === gatewayName(r)));
  const regions: LocalState['regions'] = {};
  for (const r of live) {
    const rec = records.find((x) => x.name === gatewayName(r));
    const ready = rec ? gatewayReadyInfo(rec.log, rec.pid) : undefined;
    regions[r] = {
      https: gatewayUrl(cfg, r, 'https'),
      http: gatewayUrl(cfg, r, 'http'),
      ...(ready?.adminSocket ? { adminSocket: ready.adminSocket } : {}),
    };
  }
  const port = backendPort(cfg);
  return {
    target: 'local',
    config: { ...cfg, regions: live },
    keycloakUrl: keycloakPublicUrl(cfg),
    adminConsole: `${keycloakPublicUrl(cfg)}/admin/`,
    regions,
    jwksRefreshSeconds: jwksRefreshSeconds(),
    backend: { host: cfg.host, port, url: `http://${cfg.host}:${port}` },
    processes: Object.fromEntries(records.map((r) => [r.name, { pid: r.pid, port: r.port, log: r.log, startedAt: r.startedAt }])),
    tls: { cert: certFile },
    keycloakHome: layout.keycloakHome,
    logs: layout.logs,
    secrets: secretsFile,
    updatedAt: new Date().toISOString(),
  };
}

export function writeState(layout: LocalLayout, state: LocalState): void {
  const tmp = `${layout.stateFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, layout.stateFile);
}

export function readState(layout: LocalLayout): LocalState | undefined {
  if (!existsSync(layout.stateFile)) return undefined;
  try {
    return JSON.parse(readFileSync(layout.stateFile, 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
}
