// Property tests: no token an attacker can make (without Keycloak's private
// key) reaches the backend on /api/*, and the engine never throws.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { explain, loadPolicies, type PolicySet } from '../../../scripts/engine/index.js';
import type { JwksLookup } from '../../../scripts/engine/types.js';
import * as h from './helpers.js';

let real: h.Signer;
let attacker: h.Signer;
let lab: PolicySet;
let jwks: JwksLookup;
let unreachable: JwksLookup;

beforeAll(async () => {
  real = await h.rsaSigner('kc-active');
  attacker = await h.rsaSigner('kc-active'); // same kid, different key
  lab = loadPolicies([h.requestAuthentication([h.labRule()]), ...h.labAuthz]);
  jwks = h.lookup({ [h.JWKS_URI]: await h.keycloakJwks(real) });
  unreachable = () => undefined;
});

const json = fc.jsonValue({ maxDepth: 3 });
const algs = fc.constantFrom('none', 'None', 'RS256', 'HS256', 'ES256', 'PS256', 'EdDSA', 'RS512', '', 'rs256');
const kids = fc.constantFrom('kc-active', '', '../../etc/passwd', 'kc-active\u0000', 'kc-active ', "' OR 1=1 --", 'x'.repeat(4000));
const header = fc.record(
  {
    alg: fc.oneof(algs, json),
    kid: fc.oneof(kids, json),
    typ: fc.constantFrom('JWT', 'at+jwt'),
    jku: fc.constant('http://evil.test/jwks.json'),
    x5u: fc.constant('http://evil.test/cert.pem'),
    jwk: fc.constant({ kty: 'oct', k: 'c2VjcmV0' }),
    cty: fc.constant('JWT'),
    pad: fc.string({ maxLength: 2000 }),
  },
  { requiredKeys: [] },
);
const payload = fc.record(
  {
    iss: fc.oneof(fc.constant(h.ISSUER), fc.constant(h.OTHER_ISSUER), json),
    sub: fc.oneof(fc.constant('user-1'), fc.constant(''), json),
    aud: fc.oneof(fc.constant('storefront-web'), fc.constant(['storefront-web']), json),
    exp: fc.oneof(fc.constant(h.NOW + 300), fc.constant(String(h.NOW + 300)), fc.integer(), json),
    nbf: fc.oneof(fc.integer(), json),
    tenant: fc.oneof(fc.constant('acme-books'), json),
  },
  { requiredKeys: [] },
);

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v) ?? 'null').toString('base64url');

/** Token shapes: raw, attacker-signed, HS256 with the public key, nested, mangled. */
const token = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.tuple(header, payload, fc.string({ maxLength: 50 })).map(([hd, p, s]) => `${b64(hd)}.${b64(p)}.${b64(s)}`),
  fc.tuple(header, payload).map(([hd, p]) => h.rawToken({ ...hd, alg: 'RS256', kid: 'kc-active' }, p, attacker)),
  payload.map((p) => h.hs256WithPublicKey(real, p as h.Claims)),
  fc.tuple(header, payload).map(([hd, p]) => `${b64(hd)}.${b64(p)}.`),
  fc.tuple(header, payload, fc.nat(3)).map(([hd, p, n]) => `${b64(hd)}.${b64(p)}${'.x'.repeat(n)}`),
  fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map((parts) => parts.join('.')),
  payload.map((p) => `${b64({ alg: 'RS256', kid: 'kc-active' })}.${b64(p)}.${'A'.repeat(342)}`),
);

const authorization = fc.oneof(
  token.map((t) => `Bearer ${t}`),
  token.map((t) => `bearer ${t}`),
  token.map((t) => `Basic x, Bearer ${t}`),
  token.map((t) => `Bearer ${t} trailing`),
  fc.string({ maxLength: 100 }),
);

const apiPath = fc.oneof(
  fc.constantFrom('/api/books', '/api/books?x=1', '/static/../api/books', '/api/./books', '/%61pi/books', '/api/books/../orders', '/api//books'),
  fc.string({ maxLength: 30 }).map((s) => `/api/${encodeURIComponent(s)}`),
);

describe('adversarial tokens never reach /api/* and never throw', () => {
  it('Authorization header', async () => {
    await fc.assert(
      fc.asyncProperty(authorization, apiPath, fc.boolean(), async (auth, path, down) => {
        const { decision } = await explain(h.get(path, { authorization: auth }), lab, down ? unreachable : jwks, { now: h.NOW });
        expect(decision.decision).toBe('deny');
      }),
      { numRuns: 400 },
    );
  });

  it('access_token query parameter and forged x-jwt-payload', async () => {
    await fc.assert(
      fc.asyncProperty(token, fc.string({ maxLength: 200 }), async (t, forged) => {
        const { decision } = await explain(
          h.get(`/api/books?access_token=${encodeURIComponent(t)}`, { 'x-jwt-payload': forged }),
          lab,
          jwks,
          { now: h.NOW },
        );
        expect(decision.decision).toBe('deny');
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary methods, paths and headers never throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'OPTIONS', 'get', 'DELETE'),
        fc.string({ maxLength: 80 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }))),
        async (method, path, headers) => {
          const r = await explain({ method, path: `/${path}`, headers }, lab, jwks, { now: h.NOW });
          expect(['allow', 'deny']).toContain(r.decision.decision);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('control: the real key does pass (the property above can fail)', async () => {
    const { decision } = await explain(h.get('/api/books', { authorization: `Bearer ${await h.sign(real)}` }), lab, jwks, { now: h.NOW });
    expect(decision.decision).toBe('allow');
  });
});
