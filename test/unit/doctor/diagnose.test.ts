import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, createSign, type KeyObject } from 'node:crypto';
import { makeConfig } from '../../../scripts/core/config.js';
import { diagnose, type DoctorInput } from '../../../scripts/doctor/diagnose.js';
import { formatReport, matchesPrediction } from '../../../scripts/doctor/format.js';
import type { Jwks } from '../../../scripts/engine/types.js';
import type { KubeDoc } from '../../../scripts/manifests/index.js';
import { BASELINE as BASE, ISS, JWKS_URI } from '../tutorial/fakes.js';
import { breakIssuer, dropAuthorizationPolicies, shadowingDenyAll } from '../../../scripts/tutorial/break/patches.js';

const NOW = 1_800_000_000;
const cfg = makeConfig({ target: 'local', env: {} });


let key: KeyObject;
let jwks: Jwks;
let otherJwks: Jwks;
let otherKey: KeyObject;

function sign(claims: Record<string, unknown>, kid: string, k = key): string {
  const h = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const s = createSign('RSA-SHA256').update(`${h}.${p}`).sign(k).toString('base64url');
  return `${h}.${p}.${s}`;
}

const demo = (extra: Record<string, unknown> = {}) => ({
  iss: ISS,
  sub: 'user-1',
  aud: ['admin-portal', 'account'],
  tenant: 'acme-books',
  exp: NOW + 300,
  iat: NOW - 10,
  ...extra,
});

beforeAll(() => {
  const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b = generateKeyPairSync('rsa', { modulusLength: 2048 });
  key = a.privateKey;
  otherKey = b.privateKey;
  jwks = { keys: [{ ...a.publicKey.export({ format: 'jwk' }), kid: 'k-old', alg: 'RS256', use: 'sig' }] };
  otherJwks = { keys: [...jwks.keys, { ...b.publicKey.export({ format: 'jwk' }), kid: 'k-new', alg: 'RS256', use: 'sig' }] };
});

interface Over extends Partial<Omit<DoctorInput, 'held' | 'published'>> {
  docs?: KubeDoc[];
  held?: Jwks | undefined;
  published?: Jwks;
}

function input(o: Over = {}): DoctorInput {
  const { docs, held: _h, published, ...over } = o;
  const held = 'held' in o ? o.held : jwks;
  return {
    cfg,
    region: 'us-east',
    method: 'GET',
    path: '/api/books',
    now: NOW,
    policies: { value: docs ?? BASE, source: 'test documents' },
    held: async () => ({ value: { jwks: held, fetchedAt: (NOW - 12) * 1000, error: held ? undefined : 'connect ECONNREFUSED 127.0.0.1:9' }, source: 'test gateway' }),
    published: async () => published ?? jwks,
    refreshSeconds: 30,
    ...over,
  };
}

describe('diagnose', () => {
  it('passes a good token and predicts the backend answers', async () => {
    const r = await diagnose(input({ token: sign(demo(), 'k-old') }));
    expect(r.prediction).toEqual({ status: 200, body: null, upstream: true });
    expect(r.matchedRule?.issuerDiff?.equal).toBe(true);
    expect(r.key).toMatchObject({ held: true, published: true });
    expect(r.causes[0]).toMatch(/ALLOW policy istio-system\/require-jwt-api rule 0 matched/);
  });

  it('issuer off by a trailing slash: 401, caret under the difference, cause named', async () => {
    const r = await diagnose(input({ token: sign(demo(), 'k-old'), docs: breakIssuer(BASE, 'trailing-slash') }));
    expect(r.prediction).toMatchObject({ status: 401, body: 'Jwt issuer is not configured' });
    expect(r.causes.join('\n')).toMatch(/iss matches no jwtRule issuer[\s\S]*trailing slash: the rule has one/);
    const text = formatReport(r, NOW);
    const lines = text.split('\n');
    const caret = lines.find((l) => l.includes('^ first difference'))!;
    const tokenLine = lines.find((l) => l.includes('token iss'))!;
    expect(caret.indexOf('^')).toBe(tokenLine.indexOf('http') + ISS.length);
  });

  it('names scheme and port differences', async () => {
    for (const [variant, word] of [['scheme', 'scheme'], ['port', 'port']] as const) {
      const r = await diagnose(input({ token: sign(demo(), 'k-old'), docs: breakIssuer(BASE, variant) }));
      expect(r.causes.join('\n')).toContain(`${word}: token has`);
    }
  });

  it('wrong audience: 403 from jwt_authn, and says account is Keycloak\'s default', async () => {
    const r = await diagnose(input({ token: sign(demo({ aud: 'account' }), 'k-old') }));
    expect(r.prediction).toMatchObject({ status: 403, body: 'Audiences in Jwt are not allowed' });
    expect(r.audience?.ok).toBe(false);
    expect(r.causes[0]).toMatch(/aud \["account"\] shares no value with the audiences .*oidc-audience-mapper/);
  });

  it('expired beyond the skew vs inside it', async () => {
    const late = await diagnose(input({ token: sign(demo({ exp: NOW - 61 }), 'k-old') }));
    expect(late.prediction).toMatchObject({ status: 401, body: 'Jwt is expired' });
    expect(late.causes[0]).toMatch(/outside its time window: exp .*expired 61 s ago/);
    const fine = await diagnose(input({ token: sign(demo({ exp: NOW - 30 }), 'k-old') }));
    expect(fine.prediction.upstream).toBe(true);
  });

  it('rotation gap: kid published by the issuer but not held by the gateway', async () => {
    const r = await diagnose(input({ token: sign(demo(), 'k-new', otherKey), published: otherJwks }));
    expect(r.prediction).toMatchObject({ status: 401, body: "Jwks doesn't have key to match kid or alg from Jwt" });
    expect(r.key).toMatchObject({ held: false, published: true });
    expect(r.causes[0]).toMatch(/kid "k-new" is not in the JWKS the gateway holds \(fetched 12 s ago, refreshed every 30 s\), but Keycloak publishes it now/);
  });

  it('a kid nobody publishes is not called a rotation gap', async () => {
    const r = await diagnose(input({ token: sign(demo(), 'k-new', otherKey) }));
    expect(r.causes[0]).toMatch(/Keycloak does not publish it either/);
  });

  it('JWKS unreachable: the fake key, "Jwt verification fails", and the fetch error', async () => {
    const r = await diagnose(input({ token: sign(demo(), 'k-old'), held: undefined }));
    expect(r.prediction).toMatchObject({ status: 401, body: 'Jwt verification fails' });
    expect(r.causes[0]).toMatch(/could not fetch the JWKS from .*ECONNREFUSED/);
    // tokenless requests are not touched by jwt_authn
    const none = await diagnose(input({ held: undefined, path: '/static/index.html' }));
    expect(none.prediction.upstream).toBe(true);
  });

  it('RequestAuthentication without AuthorizationPolicy: no token slips through, and why', async () => {
    const r = await diagnose(input({ docs: dropAuthorizationPolicies(BASE).kept }));
    expect(r.prediction.upstream).toBe(true);
    expect(r.causes[0]).toMatch(/no AuthorizationPolicy selects the gateway: RequestAuthentication alone/);
  });

  it('no token with the shipped policies: 403 RBAC, explained as 403 not 401', async () => {
    const r = await diagnose(input({}));
    expect(r.prediction).toMatchObject({ status: 403, body: 'RBAC: access denied' });
    expect(r.causes[0]).toMatch(/no request principal: 403, not 401/);
  });

  it('deny-all shadowing names the DENY policy', async () => {
    const r = await diagnose(input({ token: sign(demo(), 'k-old'), docs: shadowingDenyAll(BASE) }));
    expect(r.prediction).toMatchObject({ status: 403, body: 'RBAC: access denied' });
    expect(r.causes[0]).toMatch(/DENY policy istio-system\/deny-all rule 0 matches/);
  });

  it('reports a refused policy change and compares prediction with an answer', async () => {
    const r = await diagnose(input({ token: sign(demo(), 'k-old'), rejected: { object: 'AuthorizationPolicy/istio-system/require-jwt-api', message: 'empty value not allowed', at: 'now' } }));
    expect(r.causes[0]).toMatch(/last policy change was refused[\s\S]*require-jwt-api/);
    expect(matchesPrediction(r, 200, '{}')).toBe(true);
    expect(matchesPrediction(r, 401, 'x')).toBe(false);
  });

  it('tolerates a malformed token and still predicts Envoy\'s answer', async () => {
    const r = await diagnose(input({ token: 'abc.def' }));
    expect(r.token?.problems[0]).toMatch(/2 dot-separated part/);
    expect(r.prediction.status).toBe(401);
    expect(formatReport(r, NOW)).toContain('Prediction: 401');
  });
});
