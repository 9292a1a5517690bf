// Realm import JSON per config. The files hold the default (offset 0) ports;
// rendering moves every lab URL to the config's ports. ${LAB_*} placeholders
// stay: Keycloak resolves them from the environment at import.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeConfig, REALMS, REGIONS, type LabConfig, type RealmName } from '../core/config.js';
import { REALMS_DIR } from '../core/paths.js';
import { STOREFRONT_CALLBACK_PATH } from './names.js';
import type { RealmDoc } from './types.js';

/** The config the shipped files are written for: no LAB_PORT_OFFSET. */
export const CANONICAL_CONFIG: LabConfig = makeConfig({ target: 'local', env: {} });

/** Every URL storefront-web may redirect to: the callback on each region's https and http port. */
export function storefrontRedirectUris(cfg: LabConfig): string[] {
  return REGIONS.flatMap((r) => [
    `https://localhost:${cfg.ports[r].https}${STOREFRONT_CALLBACK_PATH}`,
    `http://localhost:${cfg.ports[r].http}${STOREFRONT_CALLBACK_PATH}`,
  ]);
}

/** Map a canonical host port (8443, 9080, ...) to the config's; other ports stay. */
function portMap(cfg: LabConfig): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of REGIONS) {
    m.set(CANONICAL_CONFIG.ports[r].https, cfg.ports[r].https);
    m.set(CANONICAL_CONFIG.ports[r].http, cfg.ports[r].http);
  }
  m.set(CANONICAL_CONFIG.keycloakPort, cfg.keycloakPort);
  return m;
}

/** Re-point a localhost URL on a canonical port to the config's port; anything else is returned as is. */
export function shiftLocalUrl(url: string, cfg: LabConfig): string {
  const m = /^(https?:\/\/localhost:)(\d+)(\/.*)?$/.exec(url);
  if (!m) return url;
  const to = portMap(cfg).get(Number(m[2]));
  return to === undefined ? url : `${m[1]}${to}${m[3] ?? ''}`;
}

interface ClientRep {
  clientId?: string;
  redirectUris?: string[];
  attributes?: Record<string, string>;
}

export function readRealmFile(file: string): RealmDoc {
  return JSON.parse(readFileSync(file, 'utf8')) as RealmDoc;
}

export function realmFile(realm: RealmName, realmsDir = REALMS_DIR): string {
  return join(realmsDir, `${realm}.json`);
}

/** Patch one parsed realm for a config (pure: returns a copy). */
export function renderRealm(doc: RealmDoc, cfg: LabConfig): RealmDoc {
  const out = structuredClone(doc);
  for (const client of (out.clients as ClientRep[] | undefined) ?? []) {
    if (client.redirectUris) client.redirectUris = client.redirectUris.map((u) => shiftLocalUrl(u, cfg));
    const post = client.attributes?.['post.logout.redirect.uris'];
    if (post && post !== '+') {
      client.attributes!['post.logout.redirect.uris'] = post.split('##').map((u) => shiftLocalUrl(u, cfg)).join('##');
    }
  }
  return out;
}

export function renderRealms(cfg: LabConfig, realmsDir = REALMS_DIR): Record<RealmName, RealmDoc> {
  const out = {} as Record<RealmName, RealmDoc>;
  for (const realm of REALMS) {
    const file = realmFile(realm, realmsDir);
    if (existsSync(file)) out[realm] = renderRealm(readRealmFile(file), cfg);
  }
  return out;
}

/**
 * The files Keycloak imports (`<name>.json` -> content), for the local
 * target's data/import folder and the kind target's realm-import Secret.
 * Placeholders are kept: the secrets travel as environment variables.
 */
export function realmImportFiles(cfg: LabConfig, realmsDir = REALMS_DIR): Record<string, string> {
  return Object.fromEntries(
    Object.entries(renderRealms(cfg, realmsDir)).map(([realm, doc]) => [`${realm}.json`, JSON.stringify(doc, null, 2) + '\n']),
  );
}
