// A matrix modelled on Istio's own integration tests (tests/integration/security
// jwt_test.go: authn-only, authn-authz, forward, aud, invalid-jwks,
// headers-params, ingress-authn; authz_test.go TestAuthz_JWT with
// testdata/authz/jwt.yaml.tmpl). The policies and tokens here are our own;
// the expected status codes are the ones those tests assert.
import { beforeAll, describe, expect, it } from 'vitest';
import { explain, loadPolicies, type PolicySet } from '../../../scripts/engine/index.js';
import type { Jwks, JwksLookup } from '../../../scripts/engine/types.js';
import * as h from './helpers.js';

const ISS1 = 'issuer-one@lab.test';
const ISS2 = 'issuer-two@lab.test';
const URI = 'https://keys.lab.test/jwks.json';
const MISSING_URI = 'https://keys.lab.test/does-not-exist.json';
const workload = { namespace: 'echo', labels: { app: 'b' } };

let signer: h.Signer;
let jwks: JwksLookup;
let tok1: string;
let tok2: string;
let tok1Aud: string;
let expired: string;
let tok1Claims: string;

beforeAll(async () => {
  signer = await h.rsaSigner('lab-key');
  const set: Jwks = { keys: [signer.publicJwk as Record<string, unknown>] };
  jwks = h.lookup({ [URI]: set });
  const base = { iat: h.NOW - 5, exp: h.NOW + 3600 };
  tok1 = await h.sign(signer, { ...base, iss: ISS1, sub: 'sub-1', groups: ['group-1'], permission: 'read' });
  tok2 = await h.sign(signer, {
    ...base,
    iss: ISS2,
    sub: 'sub-2',
    groups: ['group-2'],
    permission: 'write',
    azp: 'bar',
    aud: ['foo'],
    nested: { key1: 'valueB', key2: ['valueC', 'valueD'], 'nested-2': { key1: 'valueA' } },
  });
  tok1Aud = await h.sign(signer, { ...base, iss: ISS1, sub: 'sub-1', aud: ['foo'] });
  tok1Claims = tok1;
  expired = await h.sign(signer, { iss: ISS1, sub: 'sub-1', iat: h.NOW - 7200, exp: h.NOW - 3600 });
});

const ra = (jwtRules: Array<Record<string, unknown>>, name = 'request-authn', namespace = 'echo') => ({
  apiVersion: 'security.istio.io/v1beta1',
  kind: 'RequestAuthentication',
  metadata: { name, namespace },
  spec: { selector: { matchLabels: { app: 'b' } }, jwtRules },
});
const ap = (name: string, rules: unknown[], namespace = 'echo', selectorLabels: Record<string, string> = { app: 'b' }) => ({
  apiVersion: 'security.istio.io/v1beta1',
  kind: 'AuthorizationPolicy',
  metadata: { name, namespace },
  spec: { selector: { matchLabels: selectorLabels }, rules },
});

async function call(policies: PolicySet, req: { path?: string; method?: string; headers?: Record<string, string>; host?: string }, lookup = jwks, wl = workload) {
  const r = await explain(
    { method: req.method ?? 'GET', path: req.path ?? '/', headers: { host: req.host ?? 'b.echo', ...(req.headers ?? {}) }, scheme: 'http' },
    policies,
    lookup,
    { now: h.NOW, workload: wl },
  );
  return r.decision;
}
const code = (d: Awaited<ReturnType<typeof call>>) => (d.decision === 'allow' ? 200 : d.status);
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('jwt_test.go: authn-only', () => {
  let p: PolicySet;
  beforeAll(() => {
    p = loadPolicies([ra([{ issuer: ISS1, jwksUri: URI, outputPayloadToHeader: 'x-test-payload' }, { issuer: ISS2, jwksUri: URI, outputPayloadToHeader: 'x-test-payload' }])]);
  });
  it('valid token: 200, Authorization removed, payload header set', async () => {
    const d = await call(p, { headers: bearer(tok1) });
    expect(code(d)).toBe(200);
    expect(d.decision === 'allow' && d.upstreamHeaders.authorization).toBeUndefined();
    expect(d.decision === 'allow' && d.upstreamHeaders['x-test-payload']).toBe(tok1.split('.')[1]);
  });
  it('second issuer: 200', async () => expect(code(await call(p, { headers: bearer(tok2) }))).toBe(200));
  it('expired token: 401', async () => expect(code(await call(p, { headers: bearer(expired) }))).toBe(401));
  it('expired token on a CORS preflight: 200 (jwt_authn bypassed)', async () => {
    const d = await call(p, { method: 'OPTIONS', headers: { ...bearer(expired), 'access-control-request-method': 'POST', origin: 'https://lab.test' } });
    expect(code(d)).toBe(200);
  });
  it('expired token on a preflight without Origin: 401', async () => {
    expect(code(await call(p, { method: 'OPTIONS', headers: { ...bearer(expired), 'access-control-request-method': 'POST' } }))).toBe(401);
  });
  it('no token: 200', async () => expect(code(await call(p, {}))).toBe(200));
});

describe('jwt_test.go: authn-authz / forward / aud / invalid-jwks', () => {
  it('authn-authz: valid 200 (token stripped), expired 401, no token 403', async () => {
    const p = loadPolicies([ra([{ issuer: ISS1, jwksUri: URI }]), ap('authz', [{ from: [{ source: { requestPrincipals: [`${ISS1}/sub-1`] } }] }])]);
    const ok = await call(p, { headers: bearer(tok1) });
    expect(code(ok)).toBe(200);
    expect(ok.decision === 'allow' && ok.upstreamHeaders.authorization).toBeUndefined();
    expect(code(await call(p, { headers: bearer(expired) }))).toBe(401);
    expect(code(await call(p, {}))).toBe(403);
  });
  it('no authn, no authz: 200', async () => expect(code(await call(loadPolicies([]), {}))).toBe(200));
  it('forward: Authorization kept', async () => {
    const p = loadPolicies([ra([{ issuer: ISS1, jwksUri: URI, forwardOriginalToken: true, outputPayloadToHeader: 'x-test-payload' }])]);
    const d = await call(p, { headers: bearer(tok1) });
    expect(d.decision === 'allow' && d.upstreamHeaders.authorization).toBe(`Bearer ${tok1}`);
  });
  it('aud: wrong audience 403, right audience 200, rules of two RequestAuthentications are combined', async () => {
    const p = loadPolicies([
      ra([{ issuer: ISS1, jwksUri: URI, audiences: ['foo'] }, { issuer: ISS2, jwksUri: URI, audiences: ['bar'] }], 'part1'),
      ra([{ issuer: ISS2, jwksUri: URI }], 'part2'),
    ]);
    expect(code(await call(p, { headers: bearer(tok1) }))).toBe(403);
    expect(code(await call(p, { headers: bearer(tok1Aud) }))).toBe(200);
    // tok2 has aud foo: rejected by the ISS2/bar rule, accepted by the ISS2 rule without audiences.
    expect(code(await call(p, { headers: bearer(tok2) }))).toBe(200);
  });
  it('invalid-jwks: valid token 401, expired 401, no token 200', async () => {
    const p = loadPolicies([ra([{ issuer: ISS1, jwksUri: MISSING_URI }])]);
    expect(code(await call(p, { headers: bearer(tok1) }))).toBe(401);
    expect(code(await call(p, { headers: bearer(expired) }))).toBe(401);
    expect(code(await call(p, {}))).toBe(200);
  });
});

describe('jwt_test.go: headers-params', () => {
  let p: PolicySet;
  beforeAll(() => {
    p = loadPolicies([
      ra([{ issuer: ISS1, jwksUri: URI, fromHeaders: [{ name: 'x-jwt-token', prefix: 'Value ' }, { name: 'auth-token', prefix: 'Token ' }], fromParams: ['token', 'secondary_token'] }]),
      ap('authz', [{ to: [{ operation: { methods: ['GET'] } }], from: [{ source: { requestPrincipals: [`${ISS1}/sub-1`] } }] }]),
    ]);
  });
  it.each([
    ['valid-params', () => ({ path: `/valid-token?token=${tok1}` }), 200],
    ['valid-params-secondary', () => ({ path: `/valid-token?secondary_token=${tok1}` }), 200],
    ['invalid-params (unknown name)', () => ({ path: `/valid-token?token_value=${tok1}` }), 403],
    ['valid-token-set', () => ({ path: `/valid-token?token=${tok1}&secondary_token=${tok1}` }), 200],
    ['invalid-token-set (one expired)', () => ({ path: `/valid-token?token=${tok1}&secondary_token=${expired}` }), 401],
    ['valid-header', () => ({ headers: { 'x-jwt-token': `Value ${tok1}` } }), 200],
    ['valid-header-secondary', () => ({ headers: { 'auth-token': `Token ${tok1}` } }), 200],
    ['invalid-header (default Authorization no longer read)', () => ({ headers: bearer(tok1) }), 403],
  ])('%s -> %i', async (_n, req, expected) => {
    expect(code(await call(p, req()))).toBe(expected);
  });
  it('the token parameter is removed from the upstream path (forwardOriginalToken false)', async () => {
    const d = await call(p, { path: `/valid-token?a=1&token=${tok1}` });
    expect(d.decision === 'allow' && d.upstreamPath).toBe('/valid-token?a=1');
  });
});

describe('jwt_test.go: ingress-authn (root-namespace RequestAuthentication, policy on the gateway)', () => {
  let p: PolicySet;
  const gw = { namespace: 'istio-system', labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } };
  beforeAll(() => {
    p = loadPolicies([
      { apiVersion: 'security.istio.io/v1beta1', kind: 'RequestAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { jwtRules: [{ issuer: ISS1, jwksUri: URI }, { issuer: ISS2, jwksUri: URI }] } },
      ap('authz-ingress', [
        { to: [{ operation: { hosts: ['example.com'] } }], from: [{ source: { requestPrincipals: [`${ISS1}/sub-1`] } }] },
        { to: [{ operation: { hosts: ['any-principal-ok.test'] } }], from: [{ source: { requestPrincipals: ['*'] } }] },
        { to: [{ operation: { paths: ['/healthz'] } }] },
      ], 'istio-system', { istio: 'ingressgateway' }),
    ]);
  });
  it.each([
    ['no token', 'example.com', '/', undefined, 403],
    ['sub-1 token', 'example.com', '/', 'tok1', 200],
    ['sub-2 token', 'example.com', '/', 'tok2', 403],
    ['expired token', 'example.com', '/', 'expired', 401],
    ['sub-1 on any-principal host', 'any-principal-ok.test', '/', 'tok1', 200],
    ['sub-2 on any-principal host', 'any-principal-ok.test', '/', 'tok2', 200],
    ['no token on any-principal host', 'any-principal-ok.test', '/', undefined, 403],
    ['token on another host', 'other-host.test', '/', 'tok1', 403],
    ['healthz without token', 'example.com', '/healthz', undefined, 200],
  ])('%s -> %i', async (_n, host, path, which, expected) => {
    const t = which === 'tok1' ? tok1 : which === 'tok2' ? tok2 : which === 'expired' ? expired : undefined;
    expect(code(await call(p, { host, path, headers: t ? bearer(t) : {} }, jwks, gw))).toBe(expected);
  });
  it('a workload in another namespace also gets the root RequestAuthentication', async () => {
    expect(code(await call(p, { headers: bearer(expired) }, jwks, { namespace: 'shop', labels: { app: 'x' } }))).toBe(401);
  });
});

describe('authz_test.go TestAuthz_JWT (jwt.yaml.tmpl rules)', () => {
  let p: PolicySet;
  beforeAll(() => {
    p = loadPolicies([
      ra([{ issuer: ISS1, jwksUri: URI }, { issuer: ISS2, jwksUri: URI }], 'default'),
      ap('b', [
        { to: [{ operation: { paths: ['/token1'], methods: ['GET'] } }], from: [{ source: { requestPrincipals: [`${ISS1}/sub-1`] } }] },
        { to: [{ operation: { paths: ['/token2'], methods: ['GET'] } }], when: [{ key: 'request.auth.claims[groups]', values: ['group-2'] }] },
        { to: [{ operation: { paths: ['/tokenAny'], methods: ['GET'] } }], from: [{ source: { requestPrincipals: ['*'] } }] },
        { to: [{ operation: { paths: ['/permission'], methods: ['GET'] } }], when: [{ key: 'request.auth.claims[permission]', values: ['write', 'append'] }] },
        { to: [{ operation: { paths: ['/nested-key1'], methods: ['GET'] } }], when: [{ key: 'request.auth.claims[nested][key1]', values: ['valueB'] }] },
        { to: [{ operation: { paths: ['/nested-non-exist'], methods: ['GET'] } }], when: [{ key: 'request.auth.claims[nested][non-exist]', values: ['valueC'] }] },
        { to: [{ operation: { paths: ['/nested-key2'], methods: ['GET'] } }], when: [{ key: 'request.auth.claims[nested][key2]', values: ['valueC'] }] },
        { to: [{ operation: { paths: ['/nested-2-key1'], methods: ['GET'] } }], when: [{ key: 'request.auth.claims[nested][nested-2][key1]', values: ['valueA'] }] },
        { to: [{ operation: { paths: ['/valid-jwt'] } }], when: [{ key: 'request.auth.principal', values: ['*'] }] },
        { to: [{ operation: { paths: ['*/presenter'] } }], when: [{ key: 'request.auth.presenter', values: ['bar'] }] },
        { to: [{ operation: { paths: ['*/audiences'] } }], when: [{ key: 'request.auth.audiences', values: ['foo'] }] },
        { to: [{ operation: { paths: ['/token3'], methods: ['GET'] } }], from: [{ source: { notRequestPrincipals: [`${ISS1}/sub-1`] } }] },
      ]),
    ]);
  });
  it.each([
    ['/token1', 'none', 403],
    ['/token1', 'tok1', 200],
    ['/token1', 'tok2', 403],
    ['/token2', 'tok1', 403],
    ['/token2', 'tok2', 200],
    ['/tokenAny', 'tok1', 200],
    ['/tokenAny', 'tok2', 200],
    ['/tokenAny', 'none', 403],
    ['/permission', 'tok1', 403],
    ['/permission', 'tok2', 200],
    ['/nested-key1', 'tok2', 200],
    ['/nested-key2', 'tok2', 200],
    ['/nested-2-key1', 'tok2', 200],
    ['/nested-non-exist', 'tok2', 403],
    ['/valid-jwt', 'tok1', 200],
    ['/valid-jwt', 'none', 403],
    ['/x/presenter', 'tok2', 200],
    ['/x/presenter', 'tok1', 403],
    ['/x/audiences', 'tok2', 200],
    ['/x/audiences', 'tok1', 403],
    ['/token3', 'tok1', 403],
    ['/token3', 'tok2', 200],
    ['/token3', 'none', 200],
    ['/tokenAny', 'expired', 401],
  ])('GET %s with %s -> %i', async (path, which, expected) => {
    const t = { tok1: tok1Claims, tok2, expired, none: undefined }[which as 'tok1' | 'tok2' | 'expired' | 'none'];
    expect(code(await call(p, { path, headers: t ? bearer(t) : {} }))).toBe(expected);
  });
});

describe('requirement tree details (policy_applier.go + verifier.cc)', () => {
  it('two providers with their own headers: each token is checked by its own provider', async () => {
    const p = loadPolicies([
      ra([
        { issuer: ISS1, jwksUri: URI, fromHeaders: [{ name: 'x-one', prefix: '' }] },
        { issuer: ISS2, jwksUri: URI, fromHeaders: [{ name: 'x-two', prefix: '' }] },
      ]),
    ]);
    expect(code(await call(p, { headers: { 'x-one': tok1 } }))).toBe(200);
    expect(code(await call(p, { headers: { 'x-two': tok2 } }))).toBe(200);
    // ISS2's token in ISS1's header: only ISS1 reads x-one -> unknown issuer there.
    const d = await call(p, { headers: { 'x-one': tok2 } });
    expect(d).toMatchObject({ status: 401, body: 'Jwt issuer is not configured' });
    // The outer OR stops at the first provider that succeeds: x-two is never looked at.
    expect(code(await call(p, { headers: { 'x-one': tok1, 'x-two': expired } }))).toBe(200);
    // Only a bad token: every branch fails and the last branch (the requires_all) reports its status.
    expect(await call(p, { headers: { 'x-one': expired } })).toMatchObject({ status: 401, body: 'Jwt is expired' });
    // ISS1's token in ISS2's header is judged by ISS2's location only.
    expect(await call(p, { headers: { 'x-two': expired } })).toMatchObject({ status: 401, body: 'Jwt issuer is not configured' });
  });

  it('quirks kept from Envoy when one header carries two tokens', async () => {
    const ask = (p: PolicySet, values: string[]) =>
      explain({ method: 'GET', path: '/', headers: { authorization: values.map((t) => `Bearer ${t}`) }, scheme: 'http' }, p, jwks, { now: h.NOW, workload }).then((e) => e.decision);
    // Tokens are verified last-first. The provider stops at the first bad one; allow_missing
    // goes on and reports the status of the LAST token it checked.
    const keep = loadPolicies([ra([{ issuer: ISS1, jwksUri: URI, forwardOriginalToken: true }])]);
    expect((await ask(keep, [tok1, expired])).decision).toBe('allow');
    expect(await ask(keep, [expired, tok1])).toMatchObject({ status: 401, body: 'Jwt is expired' });
    // Without forwardOriginalToken the good token's success removes the whole Authorization
    // header before allow_missing looks again: no token left, so it passes.
    const strip = loadPolicies([ra([{ issuer: ISS1, jwksUri: URI }])]);
    expect((await ask(strip, [expired, tok1])).decision).toBe('allow');
  });
});
