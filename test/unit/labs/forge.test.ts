import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { algNone, attackerPrivateKey, kidFor, signRs256, tamper, withLifetime } from '../../../scripts/labs/forge.js';
import { decodeJwt } from '../../../scripts/keycloak/tokens.js';
import { parseJwt } from '../../../scripts/engine/jwt.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
const claims = { iss: 'http://localhost:8090/realms/bookstore-platform', sub: 'u1', aud: ['admin-portal', 'account'], tenant: 'acme-books', iat: 1, exp: 2 };

describe('lab-made tokens', () => {
  it('finds the kid the realm publishes for the lab key, ignoring enc keys and strangers', () => {
    const jwks = { keys: [{ ...jwk, kid: 'enc-1', use: 'enc' }, { ...(createPublicKey(attackerPrivateKey()).export({ format: 'jwk' }) as object), kid: 'other', kty: 'RSA' }, { ...jwk, kid: 'real', use: 'sig' }] };
    expect(kidFor(jwks, privateKey)).toBe('real');
    expect(kidFor({ keys: [] }, privateKey)).toBeUndefined();
  });

  it('re-times a real token\'s claims and nothing else', () => {
    const c = withLifetime(claims, -120, 1_000_000);
    expect(c).toMatchObject({ ...claims, exp: 1_000_000 - 120, iat: 1_000_000 - 420 });
    expect(c.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('signs RS256 under the given kid, verifiable with the public key', async () => {
    const t = await signRs256(withLifetime(claims, 300), privateKey, 'real');
    expect(decodeJwt(t).header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'real' });
    const { payload } = await jwtVerify(t, await importJWK({ ...jwk, alg: 'RS256' } as never));
    expect(payload.tenant).toBe('acme-books');
  });

  it('tampering edits the payload and keeps header and signature byte for byte', async () => {
    const t = await signRs256(withLifetime(claims, 300), privateKey, 'real');
    const x = tamper(t, { tenant: 'globex-corp' });
    const [h, p, s] = t.split('.');
    const [h2, p2, s2] = x.split('.');
    expect([h2, s2]).toEqual([h, s]);
    expect(p2).not.toBe(p);
    expect(decodeJwt(x).payload.tenant).toBe('globex-corp');
    await expect(jwtVerify(x, await importJWK({ ...jwk, alg: 'RS256' } as never))).rejects.toThrow();
  });

  it('alg none comes in the two forms Envoy tells apart', () => {
    const junk = algNone(claims, 'junk');
    const empty = algNone(claims, 'empty');
    expect(junk.split('.').filter(Boolean)).toHaveLength(3);
    expect(empty.endsWith('.')).toBe(true);
    expect(empty.split('.').filter(Boolean)).toHaveLength(2);
    // The engine's parse step (jwt_verify_lib order) gives the bodies the lab asserts.
    expect(parseJwt(junk)).toEqual({ ok: false, status: 'JwtHeaderNotImplementedAlg' });
    expect(parseJwt(empty)).toEqual({ ok: false, status: 'JwtBadFormat' });
  });
});
