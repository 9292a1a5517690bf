// Gathers what doctor needs from a running lab (the gateway's policies and
// keys, what Keycloak publishes, the last refused apply), runs diagnose(),
// then sends the same request to the gateway and compares.
import { PRIMARY_REALM, REALMS, type LabConfig, type RealmName, type Region } from '../core/config.js';
import type { Jwks } from '../engine/types.js';
import { renderManifests } from '../manifests/index.js';
import { securityDocs } from '../tutorial/break/patches.js';
import { loadBreakState } from '../tutorial/break/state.js';
import type { LabServices, Sourced, HeldJwks } from '../tutorial/services.js';
import { diagnose, type DoctorReport } from './diagnose.js';
import { matchesPrediction } from './format.js';

export interface DoctorRun {
  cfg: LabConfig;
  lab: LabServices;
  region: Region;
  method: string;
  path: string;
  token?: string;
  send: boolean;
  now?: number;
}

function realmOf(jwksKey: string): RealmName {
  const m = /\/realms\/([^/]+)\//.exec(jwksKey);
  return ((REALMS as readonly string[]).includes(m?.[1] ?? '') ? m![1] : PRIMARY_REALM) as RealmName;
}

async function fetchJson(url: string): Promise<Jwks | undefined> {
  const { request } = await import('undici');
  const res = await request(url, { headersTimeout: 5_000, bodyTimeout: 5_000 });
  if (res.statusCode !== 200) {
    await res.body.dump();
    return undefined;
  }
  return (await res.body.json()) as Jwks;
}

export async function runDoctor(o: DoctorRun): Promise<DoctorReport> {
  const { cfg, lab, region } = o;
  const now = o.now ?? Math.floor(Date.now() / 1000);
  let gatewayAnswers = true;
  const policies = await lab.view.policies(region).catch((e: Error): Sourced<ReturnType<typeof securityDocs>> => {
    gatewayAnswers = false;
    return { value: securityDocs(renderManifests(cfg, region)), source: `rendered manifests/ (the ${region} gateway did not answer: ${e.message})` };
  });
  const held = async (key: string): Promise<Sourced<HeldJwks>> => {
    if (gatewayAnswers) {
      try {
        return await lab.view.heldJwks(region, key);
      } catch {
        // fall through to an honest approximation
      }
    }
    try {
      const jwks = await fetchJson(key);
      return { value: { jwks }, source: `fetched now from ${key} (NOT what the gateway holds: it may have an older copy)` };
    } catch (e) {
      return { value: { error: (e as Error).message }, source: `fetched now from ${key}: failed` };
    }
  };
  // What the issuer publishes: through Keycloak's public URL, reachable from this machine on both targets.
  const published = (key: string) => lab.keycloakJwks(realmOf(key));
  const refreshSeconds = await lab.view.jwksRefreshSeconds(region).catch(() => undefined);
  const report = await diagnose({
    cfg,
    region,
    method: o.method,
    path: o.path,
    token: o.token,
    now,
    policies,
    held,
    published,
    refreshSeconds,
    rejected: loadBreakState().rejected,
  });
  if (o.send) {
    try {
      const a = await lab.gateway(region, o.path, { token: report.token?.raw, method: o.method });
      report.actual = { status: a.status, body: a.body, matches: matchesPrediction(report, a.status, a.body) };
    } catch (e) {
      report.actual = { status: 0, body: '', matches: false, error: (e as Error).message };
    }
  }
  return report;
}
