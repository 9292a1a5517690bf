// The realm files, imported by a REAL Keycloak 24.0.5 (local target), issue
// tokens whose iss / aud / sub / tenant are exactly what the shipped
// RequestAuthentication and AuthorizationPolicies require, and the one engine
// decides each of them the way the labs expect.
import { createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { issuerFor, jwksUriFor, makeConfig, PRIMARY_REALM, type LabConfig } from '../../scripts/core/config.js';
import { readSecrets, signingKey, type LabSecrets } from '../../scripts/core/secrets.js';
import { decide, loadPolicies, type Jwks } from '../../scripts/engine/index.js';
import { decodeJwt, fetchJwks, passwordGrantResponse, pkceAuthorize, exchangeCode, type TokenResponse } from '../../scripts/keycloak/tokens.js';
import {
  clientSecretPlaceholder,
  renderManifests,
  storefrontRedirectUris,
  SIGNING_KEY_PLACEHOLDER,
  USERS,
  type KubeDoc,
} from '../../scripts/manifests/index.js';

// test/integration/global-setup.ts starts ONE local lab and provides it as
// `localLab`; this file only reads what it started (LAB_IT_SKIP_LOCAL=1: skip).
const lab = inject('localLab');
const cfg: LabConfig = lab?.cfg ?? makeConfig({ target: 'local', env: {} });
// Requests go to 127.0.0.1 on purpose: the issuer stays the pinned localhost URL whatever address is used.
const keycloak = `http://127.0.0.1:${cfg.keycloakPort}`;
const BOOKSTORE = 'bookstore-platform';
const GLOBEX = 'tenant-globex';

let secrets: LabSecrets;
let ra: { issuer: string; audiences: string[]; jwksUri: string };
let docs: KubeDoc[];
let jwks: Record<string, Jwks>;

function grant(realm: string, clientId: string, user: { username: string; password: string }): Promise<TokenResponse> {
  const placeholder = clientSecretPlaceholder(clientId);
  return passwordGrantResponse({
    keycloakUrl: keycloak,
    realm,
    clientId,
    clientSecret: secrets.env[placeholder],
    username: user.username,
    password: user.password,
  });
}

async function accessToken(realm: string, clientId: string, user: { username: string; password: string }) {
  const r = await grant(realm, clientId, user);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return { token: String(r.json.access_token), claims: decodeJwt(String(r.json.access_token)).payload, raw: r.json };
}

const asList = (aud: unknown): string[] => (Array.isArray(aud) ? aud.map(String) : typeof aud === 'string' ? [aud] : []);

async function gateway(token: string | undefined) {
  return decide(
    { method: 'GET', path: '/api/books', headers: token ? { authorization: `Bearer ${token}` } : {} },
    loadPolicies(docs),
    (uri) => jwks[uri],
    { now: Math.floor(Date.now() / 1000) },
  );
}

beforeAll(async () => {
  if (!lab) return;
  const s = readSecrets({ ...process.env, LAB_STATE_DIR: lab.stateDir });
  if (!s) throw new Error(`no lab secrets under ${lab.stateDir}/secrets: lab:up did not generate them`);
  secrets = s;
  docs = renderManifests(cfg, 'us-east');
  const rule = (docs.find((d) => d.kind === 'RequestAuthentication') as unknown as { spec: { jwtRules: Array<typeof ra> } }).spec.jwtRules[0]!;
  ra = rule;
  jwks = { [rule.jwksUri]: (await fetchJwks(keycloak, BOOKSTORE)) as Jwks };
});

const SKIP = lab === undefined;
if (SKIP) it.skip('realm tests need the local lab from the integration global setup (LAB_IT_SKIP_LOCAL=1 is set)', () => {});

describe.skipIf(SKIP)('bookstore-platform as imported by Keycloak 24.0.5', () => {
  it('admin-portal (demo-user): iss pinned, aud listed by the RequestAuthentication, sub set, tenant acme-books', async () => {
    const { token, claims, raw } = await accessToken(BOOKSTORE, 'admin-portal', USERS.demo);
    expect(claims.iss).toBe(issuerFor(cfg, PRIMARY_REALM));
    expect(claims.iss).toBe(ra.issuer);
    expect(asList(claims.aud)).toContain('admin-portal');
    expect(asList(claims.aud).some((a) => ra.audiences.includes(a))).toBe(true);
    expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.tenant).toBe('acme-books');
    expect(claims.azp).toBe('admin-portal');
    // iat and exp are rounded from different clock reads: 900, sometimes 901.
    expect((claims.exp as number) - (claims.iat as number)).toBeGreaterThanOrEqual(900);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(901);
    // The hmac-generated provider keeps refresh tokens working next to the imported RSA key.
    expect(typeof raw.refresh_token).toBe('string');
    expect(await gateway(token)).toMatchObject({ decision: 'allow' });
  });

  it('is signed with the lab-only key from the LAB_BOOKSTORE_SIGNING_KEY placeholder, published in JWKS', async () => {
    const { token } = await accessToken(BOOKSTORE, 'admin-portal', USERS.demo);
    const header = decodeJwt(token).header;
    expect(header.alg).toBe('RS256');
    const published = jwks[ra.jwksUri]!.keys.find((k) => k.kid === header.kid) as JWK & { n: string };
    expect(published).toBeDefined();
    const ours = createPublicKey(signingKey(secrets, SIGNING_KEY_PLACEHOLDER)).export({ format: 'jwk' }) as { n: string };
    expect(published.n).toBe(ours.n);
    const { payload } = await jwtVerify(token, await importJWK(published, 'RS256'), { issuer: ra.issuer });
    expect(payload.tenant).toBe('acme-books');
    // Only signing keys besides: no default rsa-enc provider was created.
    expect(jwks[ra.jwksUri]!.keys.filter((k) => k.use !== 'sig')).toEqual([]);
  });

  it('storefront-web: the browser PKCE login yields aud storefront-web and the tenant claim', async () => {
    const redirectUri = storefrontRedirectUris(cfg)[0]!;
    const a = await pkceAuthorize({ keycloakUrl: keycloak, realm: BOOKSTORE, clientId: 'storefront-web', redirectUri, ...USERS.demo });
    const withoutVerifier = await exchangeCode({ keycloakUrl: keycloak, realm: BOOKSTORE, clientId: 'storefront-web', redirectUri, code: a.code });
    expect(withoutVerifier.status).toBe(400);
    expect(withoutVerifier.json.error).toBe('invalid_grant');
    const b = await pkceAuthorize({ keycloakUrl: keycloak, realm: BOOKSTORE, clientId: 'storefront-web', redirectUri, ...USERS.demo, jar: a.jar });
    const r = await exchangeCode({ keycloakUrl: keycloak, realm: BOOKSTORE, clientId: 'storefront-web', redirectUri, code: b.code, verifier: b.pkce.verifier });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const claims = decodeJwt(String(r.json.access_token)).payload;
    expect(claims.iss).toBe(ra.issuer);
    expect(asList(claims.aud)).toContain('storefront-web');
    expect(claims.tenant).toBe('acme-books');
    expect(claims.azp).toBe('storefront-web');
    expect(await gateway(String(r.json.access_token))).toMatchObject({ decision: 'allow' });
  });

  it('storefront-web refuses the password grant with unauthorized_client', async () => {
    const r = await grant(BOOKSTORE, 'storefront-web', USERS.demo);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'unauthorized_client', error_description: 'Client not allowed for direct access grants' });
  });

  it("catalog-reporting's token carries only Keycloak's default aud: none of the listed audiences", async () => {
    const { token, claims } = await accessToken(BOOKSTORE, 'catalog-reporting', USERS.demo);
    expect(asList(claims.aud)).toEqual(['account']);
    for (const a of ra.audiences) expect(asList(claims.aud)).not.toContain(a);
    expect(claims.iss).toBe(ra.issuer);
    expect(await gateway(token)).toMatchObject({ decision: 'deny', status: 403, body: 'Audiences in Jwt are not allowed' });
  });

  it('kiosk-shortlived: a 5-second token with its own audience', async () => {
    const { claims } = await accessToken(BOOKSTORE, 'kiosk-shortlived', USERS.demo);
    // access.token.lifespan "5" (iat/exp rounding can make it 6), not the realm's 900.
    expect((claims.exp as number) - (claims.iat as number)).toBeGreaterThanOrEqual(5);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(6);
    expect(asList(claims.aud)).toContain('kiosk-shortlived');
    expect(claims.tenant).toBe('acme-books');
  });

  it('no-tenant-user: a valid token without a tenant claim, refused by require-jwt-api', async () => {
    const { token, claims } = await accessToken(BOOKSTORE, 'admin-portal', USERS.noTenant);
    expect(claims).not.toHaveProperty('tenant');
    expect(claims.iss).toBe(ra.issuer);
    expect(claims.sub).toBeTruthy();
    expect(await gateway(token)).toMatchObject({ decision: 'deny', status: 403, body: 'RBAC: access denied' });
  });
});

describe.skipIf(SKIP)('tenant-globex, the realm the gateway does not trust', () => {
  it('issues its own tokens, with its own key and issuer: 401 Jwt issuer is not configured', async () => {
    const { token, claims } = await accessToken(GLOBEX, 'globex-portal', USERS.globex);
    expect(claims.iss).toBe(issuerFor(cfg, 'tenant-globex'));
    expect(claims.iss).not.toBe(ra.issuer);
    expect(asList(claims.aud)).toContain('storefront-web');
    expect(claims.tenant).toBe('globex');
    const globexKids = (await fetchJwks(keycloak, GLOBEX)).keys.map((k) => k.kid);
    const bookstoreKids = jwks[ra.jwksUri]!.keys.map((k) => k.kid);
    expect(globexKids).toContain(decodeJwt(token).header.kid);
    expect(globexKids.filter((k) => bookstoreKids.includes(k))).toEqual([]);
    expect(await gateway(token)).toMatchObject({ decision: 'deny', status: 401, body: 'Jwt issuer is not configured' });
  });

  it('and the gateway fetches bookstore keys where the config says', () => {
    expect(ra.jwksUri).toBe(jwksUriFor(cfg, 'us-east', PRIMARY_REALM));
  });
});
