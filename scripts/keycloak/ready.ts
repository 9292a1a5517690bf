// "Keycloak is ready" means more than an open port: every realm the lab needs
// has been imported and announces the pinned issuer. A wrong issuer is the
// classic "Jwt issuer is not configured" trap, so it fails here, loudly.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { issuerFor, type LabConfig, type RealmName } from '../core/config.js';
import { LabError } from '../core/errors.js';

/** Back-channel address: loopback IPv4, where the local Keycloak listens. */
export function keycloakBackchannel(cfg: LabConfig): string {
  return `http://${cfg.host}:${cfg.keycloakPort}`;
}

export type RealmProbe =
  | { realm: RealmName; state: 'ready'; issuer: string }
  | { realm: RealmName; state: 'wrong-issuer'; issuer: string; expected: string }
  | { realm: RealmName; state: 'missing' | 'down'; detail: string };

export async function probeRealm(cfg: LabConfig, realm: RealmName, timeoutMs = 3_000): Promise<RealmProbe> {
  const url = `${keycloakBackchannel(cfg)}/realms/${realm}/.well-known/openid-configuration`;
  try {
    const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    if (res.statusCode === 404) return { realm, state: 'missing', detail: `${url} answered 404 (realm not imported yet)` };
    if (res.statusCode !== 200) return { realm, state: 'down', detail: `${url} answered ${res.statusCode}` };
    const issuer = String((JSON.parse(text) as { issuer?: unknown }).issuer ?? '');
    const expected = issuerFor(cfg, realm);
    return issuer === expected ? { realm, state: 'ready', issuer } : { realm, state: 'wrong-issuer', issuer, expected };
  } catch (e) {
    return { realm, state: 'down', detail: `${url}: ${(e as Error).message}` };
  }
}

export function logTail(logFile: string | undefined, lines = 15): string {
  if (!logFile || !existsSync(logFile)) return '';
  const all = readFileSync(logFile, 'utf8').trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

export interface WaitOptions {
  cfg: LabConfig;
  realms: readonly RealmName[];
  timeoutMs?: number;
  /** Keycloak's log, quoted in errors. */
  logFile?: string;
  /** Stop waiting early when the process is gone. */
  alive?: () => boolean | Promise<boolean>;
  onProgress?: (msg: string) => void;
}

/** Poll until every realm is imported with the pinned issuer; returns the wait in ms. */
export async function waitForKeycloak(o: WaitOptions): Promise<number> {
  const started = Date.now();
  const timeoutMs = o.timeoutMs ?? 120_000;
  const where = o.logFile ? `see ${o.logFile}` : 'see the Keycloak log';
  let last = '';
  for (;;) {
    const probes = await Promise.all(o.realms.map((r) => probeRealm(o.cfg, r)));
    const wrong = probes.find((p) => p.state === 'wrong-issuer');
    if (wrong && wrong.state === 'wrong-issuer') {
      throw new LabError(
        `Keycloak announces issuer ${wrong.issuer} for realm ${wrong.realm}`,
        `the lab pins ${wrong.expected}; tokens would fail with 401 "Jwt issuer is not configured"`,
        `start Keycloak with --hostname-url=http://localhost:${o.cfg.keycloakPort} (npm run lab:down -- --target local && npm run lab:up -- --target local)`,
      );
    }
    if (probes.every((p) => p.state === 'ready')) return Date.now() - started;
    const secs = Math.round((Date.now() - started) / 1000);
    const waiting = probes.filter((p) => p.state !== 'ready').map((p) => p.realm);
    const msg = `waiting for realm${waiting.length > 1 ? 's' : ''} ${waiting.join(', ')} (${secs} s)`;
    if (msg !== last) o.onProgress?.(msg);
    last = msg;
    if (o.alive && !(await o.alive())) {
      throw new LabError(
        'Keycloak exited during startup',
        `${where}; last lines:\n${logTail(o.logFile)}`,
        'fix the cause shown in the log, then: npm run lab:up -- --target local',
      );
    }
    if (Date.now() - started > timeoutMs) {
      const detail = probes.filter((p) => p.state === 'missing' || p.state === 'down').map((p) => ('detail' in p ? p.detail : ''));
      throw new LabError(
        `Keycloak was not ready after ${Math.round(timeoutMs / 1000)} s`,
        `${detail.join('; ')}; ${where}; last lines:\n${logTail(o.logFile)}`,
        'read the log above; then npm run lab:down -- --target local && npm run lab:up -- --target local',
      );
    }
    await sleep(250);
  }
}
