// Every row of ../shared/reference/istio-jwt.md's status table, and its
// semantic bullets, against the engine. The expected strings are written here
// (not read from the engine); a second test checks the reference file itself
// still says the same, and skips when the reference is absent.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explain, loadPolicies, type PolicySet } from '../../../scripts/engine/index.js';
import { SHARED_REFERENCE_DIR } from '../../../scripts/core/paths.js';
import type { JwksLookup } from '../../../scripts/engine/types.js';
import * as h from './helpers.js';

let signer: h.Signer;
let other: h.Signer;
let jwks: JwksLookup;
let authnOnly: PolicySet;
let lab: PolicySet;

beforeAll(async () => {
  signer = await h.rsaSigner('kc-active');
  other = await h.rsaSigner('globex-key');
  jwks = h.lookup({ [h.JWKS_URI]: await h.keycloakJwks(signer), [h.OTHER_JWKS_URI]: await h.keycloakJwks(other) });
  authnOnly = loadPolicies([h.requestAuthentication([h.labRule()])]);
  lab = loadPolicies([h.requestAuthentication([h.labRule()]), ...h.labAuthz]);
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const run = (policies: PolicySet, headers: Record<string, string> = {}, path = '/api/books') =>
  explain(h.get(path, headers), policies, jwks, { now: h.NOW });

async function expectDeny(p: Promise<Awaited<ReturnType<typeof explain>>>, status: number, body: string) {
  const { decision } = await p;
  expect(decision).toMatchObject({ decision: 'deny', status, body });
  if (decision.decision === 'deny') expect(decision.headers['content-type']).toBe('text/plain');
  return decision;
}

describe('istio-jwt.md status table', () => {
  it('no token, RequestAuthentication only: passes to the upstream', async () => {
    const { decision } = await run(authnOnly);
    expect(decision.decision).toBe('allow');
  });

  it('no token, ALLOW policy needs requestPrincipals ["*"]: 403 RBAC: access denied', async () => {
    const d = await expectDeny(run(lab), 403, 'RBAC: access denied');
    expect(d.decision === 'deny' && d.headers['www-authenticate']).toBeFalsy();
  });

  it('expired beyond the 60 s skew: 401 Jwt is expired, with the Bearer challenge', async () => {
    const t = await h.sign(signer, h.baseClaims({ exp: h.NOW - 61 }));
    const d = await expectDeny(run(authnOnly, bearer(t)), 401, 'Jwt is expired');
    expect(d.decision === 'deny' && d.headers['www-authenticate']).toBe('Bearer realm="https://localhost:8443/api/books", error="invalid_token"');
  });

  it('expired 30 s ago is still accepted (inside the skew)', async () => {
    const t = await h.sign(signer, h.baseClaims({ exp: h.NOW - 30 }));
    expect((await run(lab, bearer(t))).decision.decision).toBe('allow');
  });

  it('exactly 60 s past exp still passes; 61 s fails (now > exp + skew)', async () => {
    const at60 = await h.sign(signer, h.baseClaims({ exp: h.NOW - 60 }));
    expect((await run(lab, bearer(at60))).decision.decision).toBe('allow');
  });

  it('nbf in the future beyond the skew: 401 Jwt not yet valid', async () => {
    const t = await h.sign(signer, h.baseClaims({ nbf: h.NOW + 61 }));
    await expectDeny(run(authnOnly, bearer(t)), 401, 'Jwt not yet valid');
    const inside = await h.sign(signer, h.baseClaims({ nbf: h.NOW + 60 }));
    expect((await run(lab, bearer(inside))).decision.decision).toBe('allow');
  });

  it('issuer not in any jwtRule (another realm): 401 Jwt issuer is not configured', async () => {
    const t = await h.sign(other, h.baseClaims({ iss: h.OTHER_ISSUER }));
    await expectDeny(run(lab, bearer(t)), 401, 'Jwt issuer is not configured');
  });

  it('audience not allowed: 403 Audiences in Jwt are not allowed (and the Bearer challenge too)', async () => {
    const t = await h.sign(signer, h.baseClaims({ aud: 'account' }));
    const d = await expectDeny(run(lab, bearer(t)), 403, 'Audiences in Jwt are not allowed');
    // filter.cc sets WWW-Authenticate on every jwt_authn failure, the 403 included.
    expect(d.decision === 'deny' && d.headers['www-authenticate']).toBe('Bearer realm="https://localhost:8443/api/books", error="invalid_token"');
  });

  it('bad signature: 401 Jwt verification fails', async () => {
    const t = await h.sign(signer);
    const [a, b] = t.split('.');
    const forged = `${a}.${b}.${Buffer.from('x'.repeat(256)).toString('base64url')}`;
    await expectDeny(run(lab, bearer(forged)), 401, 'Jwt verification fails');
  });

  it('kid/alg matches no JWKS key: 401 Jwks doesn\'t have key to match kid or alg from Jwt', async () => {
    const rotated = await h.rsaSigner('kc-new-key');
    const t = await h.sign(rotated);
    await expectDeny(run(lab, bearer(t)), 401, "Jwks doesn't have key to match kid or alg from Jwt");
  });

  it('not three dot-separated parts: 401 with the two-dots body', async () => {
    await expectDeny(run(lab, bearer('abc.def')), 401, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections');
    await expectDeny(run(lab, bearer('a.b.c.d')), 401, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections');
    await expectDeny(run(lab, bearer('a..c')), 401, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections');
  });

  it('header not base64url / not JSON', async () => {
    await expectDeny(run(lab, bearer('e$$.eyJ9.c2ln')), 401, 'Jwt header is an invalid Base64url encoded');
    await expectDeny(run(lab, bearer(`${Buffer.from('not json').toString('base64url')}.e30.c2ln`)), 401, 'Jwt header is an invalid JSON');
  });

  it('unsupported alg (none): 401 Jwt header [alg] is not supported', async () => {
    const t = h.rawToken({ alg: 'none', typ: 'JWT' }, h.baseClaims(), undefined, '');
    // "x.y." has an empty third section: that is a format error before alg is read.
    await expectDeny(run(lab, bearer(t)), 401, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections');
    const withSig = h.rawToken({ alg: 'none', typ: 'JWT' }, h.baseClaims());
    await expectDeny(run(lab, bearer(withSig)), 401, 'Jwt header [alg] is not supported');
  });

  it('payload not JSON: 401 Jwt payload is an invalid JSON', async () => {
    const t = h.rawToken({ alg: 'RS256', kid: 'kc-active' }, 'not json', signer);
    await expectDeny(run(lab, bearer(t)), 401, 'Jwt payload is an invalid JSON');
  });

  it('401 responses carry WWW-Authenticate: Bearer realm="<original uri>", error="invalid_token" (query included)', async () => {
    const t = await h.sign(signer, h.baseClaims({ exp: h.NOW - 500 }));
    const d = await expectDeny(run(lab, bearer(t), '/api/books?x=1'), 401, 'Jwt is expired');
    expect(d.decision === 'deny' && d.headers['www-authenticate']).toBe('Bearer realm="https://localhost:8443/api/books?x=1", error="invalid_token"');
  });
});

describe('istio-jwt.md bullets', () => {
  it('a forged token that is also expired reports "Jwt is expired" (time before signature)', async () => {
    const t = h.rawToken({ alg: 'RS256', kid: 'kc-active' }, h.baseClaims({ exp: h.NOW - 1000 }));
    await expectDeny(run(lab, bearer(t)), 401, 'Jwt is expired');
  });

  it('a bad token is answered by jwt_authn (401) before any AuthorizationPolicy runs', async () => {
    const deny = loadPolicies([h.requestAuthentication([h.labRule()]), h.authz('deny-everything', { action: 'DENY', rules: [{}] })]);
    const t = await h.sign(signer, h.baseClaims({ exp: h.NOW - 100 }));
    await expectDeny(run(deny, bearer(t)), 401, 'Jwt is expired');
    await expectDeny(run(deny, {}), 403, 'RBAC: access denied');
  });

  it('JWKS unreachable: every token fails, tokenless requests still pass jwt_authn', async () => {
    const none: JwksLookup = () => undefined;
    const t = await h.sign(signer);
    const d = await explain(h.get('/api/books', bearer(t)), authnOnly, none, { now: h.NOW });
    // istiod's FakeJwks key has no kid and no alg: it is a candidate, the signature fails.
    expect(d.decision).toMatchObject({ status: 401, body: 'Jwt verification fails' });
    const tokenless = await explain(h.get('/api/books'), authnOnly, none, { now: h.NOW });
    expect(tokenless.decision.decision).toBe('allow');
  });

  it('JWKS entries that are not signing keys (RSA-OAEP enc) are ignored', async () => {
    const keys = await h.keycloakJwks(signer);
    const encOnly = { keys: keys.keys.filter((k) => k.use === 'enc') };
    const t = await h.sign(signer);
    const d = await explain(h.get('/api/books', bearer(t)), lab, h.lookup({ [h.JWKS_URI]: encOnly }), { now: h.NOW });
    expect(d.decision).toMatchObject({ status: 401, body: "Jwks doesn't have key to match kid or alg from Jwt" });
    const ok = await explain(h.get('/api/books', bearer(t)), lab, h.lookup({ [h.JWKS_URI]: keys }), { now: h.NOW });
    expect(ok.decision.decision).toBe('allow');
  });

  it('forwardOriginalToken false (default) strips Authorization after success; true keeps it', async () => {
    const t = await h.sign(signer);
    const strip = loadPolicies([h.requestAuthentication([h.labRule({ forwardOriginalToken: undefined })])]);
    const d1 = (await run(strip, bearer(t))).decision;
    expect(d1.decision === 'allow' && d1.upstreamHeaders.authorization).toBeUndefined();
    const d2 = (await run(authnOnly, bearer(t))).decision;
    expect(d2.decision === 'allow' && d2.upstreamHeaders.authorization).toBe(`Bearer ${t}`);
  });

  it('outputPayloadToHeader adds the payload segment as sent; a forged copy is removed first', async () => {
    const t = await h.sign(signer);
    const d = (await run(authnOnly, { ...bearer(t), 'x-jwt-payload': 'forged' })).decision;
    expect(d.decision === 'allow' && d.upstreamHeaders['x-jwt-payload']).toBe(t.split('.')[1]);
    const none = (await run(authnOnly, { 'x-jwt-payload': 'forged' })).decision;
    expect(none.decision === 'allow' && none.upstreamHeaders['x-jwt-payload']).toBeUndefined();
  });

  it('forged x-jwt-payload is removed even when the token then fails', async () => {
    // sanitizeHeaders runs before verification, whatever the outcome.
    const claimRule = loadPolicies([h.requestAuthentication([h.labRule({ outputClaimToHeaders: [{ header: 'x-tenant', claim: 'tenant' }] })])]);
    const d = (await run(claimRule, { 'x-tenant': 'evil', 'x-jwt-payload': 'forged' })).decision;
    expect(d.decision === 'allow' && d.upstreamHeaders['x-tenant']).toBeUndefined();
    expect(d.decision === 'allow' && d.upstreamHeaders['x-jwt-payload']).toBeUndefined();
  });

  it('outputClaimToHeaders copies single claims (strings, numbers, booleans; not objects)', async () => {
    const rule = h.labRule({
      outputClaimToHeaders: [
        { header: 'x-tenant', claim: 'tenant' },
        { header: 'x-exp', claim: 'exp' },
        { header: 'x-flag', claim: 'flag' },
        { header: 'x-obj', claim: 'obj' },
      ],
    });
    const p = loadPolicies([h.requestAuthentication([rule])]);
    const t = await h.sign(signer, h.baseClaims({ flag: true, obj: { a: 1 } }));
    const d = (await run(p, bearer(t))).decision;
    expect(d.decision).toBe('allow');
    if (d.decision !== 'allow') return;
    expect(d.upstreamHeaders['x-tenant']).toBe('acme-books');
    expect(d.upstreamHeaders['x-exp']).toBe(String(h.NOW + 300));
    expect(d.upstreamHeaders['x-flag']).toBe('true');
    expect(d.upstreamHeaders['x-obj']).toBeUndefined();
  });

  it('default token locations: Authorization "Bearer " and ?access_token; no prefix = no token', async () => {
    const t = await h.sign(signer);
    expect((await run(lab, {}, `/api/books?access_token=${t}`)).decision.decision).toBe('allow');
    // "bearer " (lower case) does not contain "Bearer ": counts as no token -> RBAC 403, not 401.
    await expectDeny(run(lab, { authorization: `bearer ${t}` }), 403, 'RBAC: access denied');
    await expectDeny(run(lab, { authorization: t }), 403, 'RBAC: access denied');
  });

  it('empty audiences means no audience check', async () => {
    const p = loadPolicies([h.requestAuthentication([h.labRule({ audiences: [] })])]);
    const t = await h.sign(signer, h.baseClaims({ aud: 'anything-at-all' }));
    expect((await run(p, bearer(t))).decision.decision).toBe('allow');
    const noAud = await h.sign(signer, h.baseClaims({ aud: undefined }));
    expect((await run(p, bearer(noAud))).decision.decision).toBe('allow');
    await expectDeny(run(authnOnly, bearer(noAud)), 403, 'Audiences in Jwt are not allowed');
  });

  it('security.istio.io/v1 and v1beta1 are both accepted; other groups are ignored', async () => {
    const beta = { ...h.requestAuthentication([h.labRule()]), apiVersion: 'security.istio.io/v1beta1' };
    const alpha = { ...h.requestAuthentication([h.labRule()]), apiVersion: 'security.istio.io/v1alpha1' };
    expect(loadPolicies([beta]).requestAuthentications).toHaveLength(1);
    expect(loadPolicies([alpha]).requestAuthentications).toHaveLength(0);
  });
});

describe('the reference file', () => {
  const file = join(SHARED_REFERENCE_DIR, 'istio-jwt.md');
  it.skipIf(!existsSync(file))('still lists the bodies this suite asserts (skipped when ../shared/reference is absent)', () => {
    const text = readFileSync(file, 'utf8');
    for (const body of [
      'Jwt is expired',
      'Jwt not yet valid',
      'Jwt issuer is not configured',
      'Audiences in Jwt are not allowed',
      'Jwt verification fails',
      "Jwks doesn't have key to match kid or alg from Jwt",
      'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
      'Jwt header is an invalid Base64url encoded',
      'Jwt header is an invalid JSON',
      'Jwt header [alg] is not supported',
      'Jwt payload is an invalid JSON',
      'RBAC: access denied',
    ]) expect(text).toContain(body);
  });
  if (!existsSync(file)) it('reference absent', () => console.log(`skipping reference cross-check: ${file} not found`));
});
