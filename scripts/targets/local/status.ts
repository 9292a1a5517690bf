// `lab:status --target local`: every recorded process (pid, ours?, port,
// health) and the URLs to open. Exit 0 only when everything is healthy.
import { gatewayUrl, keycloakPublicUrl, REGIONS, type LabConfig, type Region } from '../../core/config.js';
import { info, printJson } from '../../core/log.js';
import type { TargetOptions } from '../types.js';
import { localLayout, type LocalLayout } from './layout.js';
import { identify, readRecords, type Identity, type ProcRecord } from './processes.js';
import { backendName, backendSpec, gatewayName, gatewaySpec, keycloakName, keycloakSpec, type ServiceSpec } from './services.js';
import { tlsFiles } from './tls.js';
import { readState } from './state.js';

export interface ProcessStatus {
  name: string;
  pid: number;
  state: Identity;
  port?: number;
  healthy: boolean;
  detail: string;
  log: string;
}

function specFor(cfg: LabConfig, layout: LocalLayout, rec: ProcRecord): ServiceSpec | undefined {
  if (rec.name === keycloakName) return keycloakSpec(cfg, layout, {});
  if (rec.name === backendName) return backendSpec(cfg, layout);
  const region = REGIONS.find((r) => gatewayName(r) === rec.name);
  return region ? gatewaySpec(cfg, layout, region, tlsFiles(layout), {}) : undefined;
}

export async function localStatus(asked: LabConfig): Promise<{ running: boolean; healthy: boolean; processes: ProcessStatus[]; urls: Record<string, string> }> {
  const layout = localLayout();
  // Probe the ports the lab was started on, even if LAB_PORT_OFFSET changed since.
  const cfg = readState(layout)?.config ?? asked;
  const processes = await Promise.all(
    readRecords(layout.pids).map(async (rec): Promise<ProcessStatus> => {
      const state = await identify(rec);
      const spec = specFor(cfg, layout, rec);
      const h = state === 'ours' && spec ? await spec.health() : { ok: false, detail: state === 'foreign' ? 'pid reused by another program' : 'not running' };
      return { name: rec.name, pid: rec.pid, state, port: rec.port, healthy: h.ok, detail: h.detail, log: rec.log };
    }),
  );
  const urls: Record<string, string> = {
    keycloak: keycloakPublicUrl(cfg),
    adminConsole: `${keycloakPublicUrl(cfg)}/admin/`,
  };
  const gatewayRegions = REGIONS.filter((r) => processes.some((p) => p.name === gatewayName(r)));
  for (const r of gatewayRegions as Region[]) {
    urls[`${r} https`] = gatewayUrl(cfg, r, 'https');
    urls[`${r} http`] = gatewayUrl(cfg, r, 'http');
  }
  return { running: processes.length > 0, healthy: processes.length > 0 && processes.every((p) => p.healthy), processes, urls };
}

export async function statusLocal(cfg: LabConfig, opts: TargetOptions): Promise<number> {
  const s = await localStatus(cfg);
  if (opts.json) {
    printJson({ target: 'local', ...s });
    return s.healthy ? 0 : 1;
  }
  if (!s.running) {
    info('local lab: not running (start it with: npm run lab:up -- --target local)');
    return 1;
  }
  info('PROCESS            PID      PORT   STATE  HEALTH');
  for (const p of s.processes) {
    const mark = p.healthy ? '✔' : '✖';
    info(`${p.name.padEnd(18)} ${String(p.pid).padEnd(8)} ${String(p.port ?? '').padEnd(6)} ${p.state.padEnd(6)} ${mark} ${p.detail}`);
  }
  info('');
  for (const [k, v] of Object.entries(s.urls)) info(`${k.padEnd(14)} ${v}`);
  if (!s.healthy) info('\nsomething is down: npm run lab:up -- --target local restarts only what is missing');
  return s.healthy ? 0 : 1;
}
