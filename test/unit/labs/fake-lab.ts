// A whole lab without network or processes, for the runner's unit tests:
// - tokens minted the way the realm files tell Keycloak to (audience mappers,
//   group tenant attribute, per-client lifespan, direct grants on/off), signed
//   with a per-realm test key;
// - a stand-in for `curl` (through proc.setRunner) that asks the project's one
//   decision engine what the gateway answers, and plays the catalog backend
//   (manifests/catalog/server.mjs's /api/books echo) when it allows.
import { generateKeyPairSync, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { issuerFor, REALMS, REGIONS, type LabConfig, type RealmName, type Region } from '../../../scripts/core/config.js';
import type { LabSecrets } from '../../../scripts/core/secrets.js';
import type { Runner, RunResult } from '../../../scripts/core/proc.js';
import { decide, loadPolicies, type PolicySet } from '../../../scripts/engine/index.js';
import { renderManifests, renderRealms, type RealmDoc } from '../../../scripts/manifests/index.js';
import type { TokenResponse } from '../../../scripts/keycloak/tokens.js';
import { keycloakAccess } from '../../../scripts/labs/keycloak-access.js';
import { signRs256 } from '../../../scripts/labs/forge.js';
import { TokenSource } from '../../../scripts/labs/token-source.js';
import type { KeycloakAccess, Principal } from '../../../scripts/labs/types.js';

interface ClientRep {
  clientId: string;
  directAccessGrantsEnabled?: boolean;
  attributes?: Record<string, string>;
  protocolMappers?: Array<{ protocolMapper: string; config: Record<string, string> }>;
}
interface UserRep {
  username: string;
  groups?: string[];
}
interface GroupRep {
  path?: string;
  name: string;
  attributes?: Record<string, string[]>;
}

export interface RealmKeys {
  key: KeyObject;
  kid: string;
  jwks: { keys: Array<Record<string, unknown>> };
}

export function realmKeys(realm: string): RealmKeys {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `${realm}-test-kid`;
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
  return { key: privateKey, kid, jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] } };
}

/** Keycloak's token endpoint, modelled from the realm files (only what the labs rely on). */
export class FakeKeycloakTokens extends TokenSource {
  grantsServed = 0;
  constructor(
    kc: KeycloakAccess,
    private readonly cfg: LabConfig,
    private readonly realms: Record<RealmName, RealmDoc>,
    readonly keys: Record<RealmName, RealmKeys>,
  ) {
    super(kc);
  }

  override async grantResponse(p: Principal): Promise<TokenResponse> {
    this.grantsServed++;
    const doc = this.realms[p.realm];
    const client = (doc.clients as ClientRep[]).find((c) => c.clientId === p.client);
    if (!client) return { status: 401, json: { error: 'invalid_client' } };
    if (!client.directAccessGrantsEnabled) return { status: 400, json: { error: 'unauthorized_client', error_description: 'Client not allowed for direct access grants' } };
    const user = (doc.users as UserRep[]).find((u) => u.username === p.user);
    if (!user) return { status: 401, json: { error: 'invalid_grant' } };
    const aud = [
      ...(client.protocolMappers ?? []).filter((m) => m.protocolMapper === 'oidc-audience-mapper').map((m) => m.config['included.client.audience'] ?? m.config['included.custom.audience'])
        .filter((a): a is string => Boolean(a)),
      'account',
    ];
    const groups = (doc.groups as GroupRep[] | undefined) ?? [];
    const tenant = (user.groups ?? []).map((g) => groups.find((x) => (x.path ?? `/${x.name}`) === g)?.attributes?.tenant?.[0]).find(Boolean);
    const lifespan = Number(client.attributes?.['access.token.lifespan'] ?? doc.accessTokenLifespan ?? 300);
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: issuerFor(this.cfg, p.realm),
      sub: `${p.realm}:${p.user}`,
      aud,
      azp: p.client,
      typ: 'Bearer',
      iat: now,
      exp: now + lifespan,
      jti: randomUUID(),
      preferred_username: p.user,
      ...(tenant ? { tenant } : {}),
    };
    const k = this.keys[p.realm];
    return { status: 200, json: { access_token: await signRs256(claims, k.key, k.kid), expires_in: lifespan, token_type: 'Bearer' } };
  }

  override async realmKey() {
    const k = this.keys['bookstore-platform'];
    return { key: k.key, kid: k.kid };
  }
}

export interface CurlCall {
  argv: string[];
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** Parse the argv scripts/tools/curl.ts builds. */
export function parseCurl(argv: string[]): CurlCall & { bodyFile?: string; headersFile?: string } {
  const out: CurlCall & { bodyFile?: string; headersFile?: string } = { argv, method: 'GET', url: '', headers: {} };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-o') out.bodyFile = argv[++i];
    else if (a === '-D') out.headersFile = argv[++i];
    else if (a === '-X') out.method = argv[++i]!;
    else if (a === '-I') out.method = 'HEAD';
    else if (a === '-w' || a === '--max-time') i++;
    else if (a === '-H') {
      const h = argv[++i]!;
      const c = h.indexOf(':');
      out.headers[h.slice(0, c).trim().toLowerCase()] = h.slice(c + 1).trim();
    } else if (!a.startsWith('-')) out.url = a;
  }
  return out;
}

/** What manifests/catalog/server.mjs answers for a request that got through. */
export function fakeBackend(path: string, headers: Record<string, string>): { status: number; body: string } {
  const p = new URL(path, 'http://backend').pathname;
  let payload: unknown = null;
  try {
    payload = headers['x-jwt-payload'] ? JSON.parse(Buffer.from(headers['x-jwt-payload'], 'base64url').toString('utf8')) : null;
  } catch {
    payload = null;
  }
  const received = { receivedJwtPayload: payload, receivedHeaders: Object.keys(headers).sort(), receivedAuthorization: 'authorization' in headers };
  if (p === '/api/books') return { status: 200, body: JSON.stringify({ books: [{ id: 'b-001' }], ...received }) + '\n' };
  if (p === '/static/echo.json') return { status: 200, body: JSON.stringify(received) + '\n' };
  if (p === '/static/index.html') return { status: 200, body: '<!doctype html><title>bookstore</title>\n' };
  return { status: 404, body: 'not found\n' };
}

export type Answer = (call: CurlCall, region: Region) => Promise<{ status: number; body: string; headers: Record<string, string> }>;

export type HeldJwks = (region: Region, realm: RealmName) => RealmKeys['jwks'] | undefined;

/** The gateway as the engine decides it, in front of the fake backend; `held` is the JWKS each region's gateway holds now. */
export function engineGateway(cfg: LabConfig, held: HeldJwks): Answer {
  const policies = new Map<Region, PolicySet>(REGIONS.map((r) => [r, loadPolicies(renderManifests(cfg, r))]));
  return async (call, region) => {
    const lookup = (uri: string) => REALMS.map((r) => (uri.endsWith(`/realms/${r}/protocol/openid-connect/certs`) ? held(region, r) : undefined)).find(Boolean);
    const u = new URL(call.url);
    const d = await decide({ method: call.method, path: u.pathname + u.search, headers: call.headers, host: u.host, scheme: 'https' }, policies.get(region)!, lookup);
    if (d.decision === 'deny') return { status: d.status, body: d.body, headers: d.headers };
    const b = fakeBackend(u.pathname, d.upstreamHeaders);
    return { ...b, headers: { 'content-type': 'text/plain' } };
  };
}

/** A proc Runner whose `curl` is answered by `answer`; anything else is refused loudly. */
export function curlRunner(cfg: LabConfig, answer: Answer, calls: CurlCall[] = []): Runner {
  return {
    async run(argv): Promise<RunResult> {
      if (argv[0] !== 'curl') throw new Error(`unexpected command in a unit test: ${argv.join(' ')}`);
      const call = parseCurl(argv);
      calls.push(call);
      const port = Number(new URL(call.url).port);
      const region = REGIONS.find((r) => cfg.ports[r].https === port);
      if (!region) return { command: argv, exitCode: 7, stdout: '', stderr: `curl: (7) Failed to connect to localhost port ${port}`, durationMs: 1 };
      const res = await answer(call, region);
      if (call.bodyFile) writeFileSync(call.bodyFile, res.body);
      if (call.headersFile) {
        const lines = [`HTTP/1.1 ${res.status} X`, ...Object.entries(res.headers).map(([k, v]) => `${k}: ${v}`)];
        writeFileSync(call.headersFile, lines.join('\r\n') + '\r\n\r\n');
      }
      return { command: argv, exitCode: 0, stdout: String(res.status), stderr: '', durationMs: 1 };
    },
    spawnDetached() {
      throw new Error('no processes in unit tests');
    },
  };
}

export function fakeSecrets(): LabSecrets {
  const env: Record<string, string> = {};
  for (const file of REALMS) {
    const text = readFileSync(new URL(`../../../realms/${file}.json`, import.meta.url), 'utf8');
    for (const m of text.matchAll(/\$\{(LAB_[A-Z0-9_]+)\}/g)) env[m[1]!] = `test-${m[1]}`;
  }
  return { keycloakAdmin: { username: 'admin', password: 'x' }, env };
}

export function fakeLab(cfg: LabConfig) {
  const realms = renderRealms(cfg);
  const keys = Object.fromEntries(REALMS.map((r) => [r, realmKeys(r)])) as Record<RealmName, RealmKeys>;
  const kc = keycloakAccess(cfg, { secrets: fakeSecrets(), realms });
  const tokens = new FakeKeycloakTokens(kc, cfg, realms, keys);
  return { realms, keys, kc, tokens, gateway: engineGateway(cfg, (_region, realm) => keys[realm].jwks) };
}
