// Key selection and signature checks (jwt_verify_lib verify.cc), key loading
// (jwks.cc), and the adversarial tokens the brief lists.
import { beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { explain, FAKE_JWKS, loadPolicies, type PolicySet } from '../../../scripts/engine/index.js';
import { loadJwks } from '../../../scripts/engine/jwks.js';
import type { Jwks } from '../../../scripts/engine/types.js';
import * as h from './helpers.js';

let signer: h.Signer;
let keycloak: Jwks;
let lab: PolicySet;

beforeAll(async () => {
  signer = await h.rsaSigner('kc-active');
  keycloak = await h.keycloakJwks(signer);
  lab = loadPolicies([h.requestAuthentication([h.labRule()]), ...h.labAuthz]);
});

/** jwks null = istiod could not fetch it. */
const bodyFor = async (token: string, jwks: Jwks | null = keycloak) => {
  const { decision } = await explain(h.get('/api/books', { authorization: `Bearer ${token}` }), lab, () => jwks ?? undefined, { now: h.NOW });
  return decision.decision === 'allow' ? 'allow' : `${decision.status} ${decision.body}`;
};

describe('key selection', () => {
  it('a token without kid tries every key with a matching alg', async () => {
    const t = await new SignJWT(h.baseClaims() as never).setProtectedHeader({ alg: 'RS256' }).sign(signer.privateKey);
    expect(await bodyFor(t)).toBe('allow');
  });

  it('kid not held (key rotated before the gateway refreshed): key lookup fails', async () => {
    const t = await h.sign(signer, h.baseClaims(), { kid: 'brand-new-kid' });
    expect(await bodyFor(t)).toBe("401 Jwks doesn't have key to match kid or alg from Jwt");
  });

  it('a held kid with the wrong key material fails the signature', async () => {
    const impostor = await h.rsaSigner('kc-active');
    expect(await bodyFor(await h.sign(impostor))).toBe('401 Jwt verification fails');
  });

  it('HS256 signed with the RSA public key: RS256-only keys are not candidates', async () => {
    expect(await bodyFor(h.hs256WithPublicKey(signer, h.baseClaims()))).toBe("401 Jwks doesn't have key to match kid or alg from Jwt");
  });

  it('HS256 against an RSA key that has no alg: a candidate, but kty RSA never verifies HS256', async () => {
    const noAlg = { keys: [{ ...signer.publicJwk, alg: undefined }] as Array<Record<string, unknown>> };
    expect(await bodyFor(h.hs256WithPublicKey(signer, h.baseClaims()), noAlg)).toBe('401 Jwt verification fails');
  });

  it('HS256 verifies against an oct key', async () => {
    const secret = Buffer.alloc(32, 7);
    const t = await new SignJWT(h.baseClaims() as never).setProtectedHeader({ alg: 'HS256', kid: 'hmac' }).sign(secret);
    expect(await bodyFor(t, { keys: [{ kty: 'oct', kid: 'hmac', alg: 'HS256', k: secret.toString('base64url') }] })).toBe('allow');
  });

  it('ES256 and EdDSA keys verify', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    const ed = await generateKeyPair('EdDSA', { extractable: true, crv: 'Ed25519' });
    const jwks = {
      keys: [
        { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256' },
        { ...(await exportJWK(ed.publicKey)), kid: 'ed', alg: 'EdDSA' },
      ] as Array<Record<string, unknown>>,
    };
    const t1 = await new SignJWT(h.baseClaims() as never).setProtectedHeader({ alg: 'ES256', kid: 'ec' }).sign(ec.privateKey);
    const t2 = await new SignJWT(h.baseClaims() as never).setProtectedHeader({ alg: 'EdDSA', kid: 'ed' }).sign(ed.privateKey);
    expect(await bodyFor(t1, jwks)).toBe('allow');
    expect(await bodyFor(t2, jwks)).toBe('allow');
  });

  it('jku / x5u / jwk headers are ignored: an embedded attacker key is never used', async () => {
    const attacker = await h.rsaSigner('kc-active');
    const t = await h.sign(attacker, h.baseClaims(), { jwk: attacker.publicJwk, jku: 'http://evil/jwks', x5u: 'http://evil/cert' });
    expect(await bodyFor(t)).toBe('401 Jwt verification fails');
  });

  it('istiod\'s fake JWKS (fetch failed): RS256 with a kid -> "Jwt verification fails"', async () => {
    expect(await bodyFor(await h.sign(signer), FAKE_JWKS)).toBe('401 Jwt verification fails');
    expect(await bodyFor(await h.sign(signer), null)).toBe('401 Jwt verification fails');
  });
});

describe('JWKS loading (jwks.cc)', () => {
  it('loads Keycloak\'s JWKS with its enc key (RSA-OAEP starts with RS)', () => {
    const held = loadJwks(keycloak);
    expect(held.invalidReason).toBeUndefined();
    expect(held.keys.map((k) => k.alg).sort()).toEqual(['RS256', 'RSA-OAEP']);
  });
  it('the first bad key invalidates the whole JWKS -> "Jwks doesn\'t have any valid public key"', async () => {
    const bad = { keys: [{ kty: 'RSA', kid: 'x', alg: 'RS256', n: 'AQAB' }, ...keycloak.keys] };
    expect(loadJwks(bad).invalidReason).toBe('[e] field is missing for a RSA key');
    expect(await bodyFor(await h.sign(signer), bad)).toBe("401 Jwks doesn't have any valid public key");
  });
  it('structural errors', () => {
    expect(loadJwks({} as Jwks).invalidReason).toBe('Jwks does not have [keys] field');
    expect(loadJwks({ keys: 'x' } as unknown as Jwks).invalidReason).toBe('[keys] in Jwks is not an array');
    expect(loadJwks({ keys: [] }).invalidReason).toBe("Jwks doesn't have any valid public key");
    expect(loadJwks({ keys: [{ kid: 'a' }] }).invalidReason).toBe('[kty] is missing in [keys]');
    expect(loadJwks({ keys: [{ kty: 'XYZ' }] }).invalidReason).toBe('[kty] is not supported in [keys]');
  });
});

describe('adversarial tokens named in issue 4', () => {
  it.each([
    ['alg none', () => h.rawToken({ alg: 'none' }, h.baseClaims()), '401 Jwt header [alg] is not supported'],
    ['exp as a string', () => h.rawToken({ alg: 'RS256', kid: 'kc-active' }, h.baseClaims({ exp: String(h.NOW + 300) })), '401 Jwt payload [exp] field is not an integer'],
    ['bad base64 payload', () => 'eyJhbGciOiJSUzI1NiJ9.$$$.c2ln', '401 Jwt payload is an invalid Base64url encoded'],
    ['kid path traversal', () => h.rawToken({ alg: 'RS256', kid: '../../../dev/null' }, h.baseClaims()), "401 Jwks doesn't have key to match kid or alg from Jwt"],
    ['kid as object', () => h.rawToken({ alg: 'RS256', kid: { a: 1 } }, h.baseClaims()), '401 Jwt header [kid] field is not a string'],
    ['huge header', () => h.rawToken({ alg: 'RS256', kid: 'kc-active', pad: 'x'.repeat(20000) }, h.baseClaims()), '401 Jwt verification fails'],
  ])('%s', async (_n, make, expected) => {
    expect(await bodyFor(make())).toBe(expected);
  });

  it('a nested JWT (a signed token carrying another token) is verified as the outer token only', async () => {
    const inner = await h.sign(signer);
    const outer = await h.sign(await h.rsaSigner('attacker'), h.baseClaims({ token: inner }), { cty: 'JWT', kid: 'kc-active' });
    expect(await bodyFor(outer)).toBe('401 Jwt verification fails');
    expect(await bodyFor(`${inner}.${inner}`)).toBe('401 Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections');
  });
});
