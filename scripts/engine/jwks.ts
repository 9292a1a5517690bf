// A JWKS as Envoy holds it: google/jwt_verify_lib Jwks::createFromJwksCore.
// Each key keeps kid/alg/kty; key material becomes a node:crypto KeyObject.
// Two details matter for fidelity:
//  - the first key that fails to load stops the loop and makes the whole JWKS
//    invalid; Envoy then drops it ("Invalid inline jwks"), so every token gets
//    "Jwks doesn't have any valid public key";
//  - `use` is never read: Keycloak's RSA-OAEP encryption key loads fine (its
//    alg starts with "RS") and is skipped at verification because its alg is
//    not the token's alg.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeBase64Url } from './base64url.js';
import type { Jwks } from './types.js';

export interface HeldKey {
  kid: string;
  alg: string;
  kty: 'RSA' | 'EC' | 'oct' | 'OKP';
  crv?: string;
  key?: KeyObject;
  secret?: Buffer;
}

export interface HeldJwks {
  /** Why Envoy would reject this JWKS, or undefined when it loads. */
  invalidReason?: string;
  keys: HeldKey[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function loadKey(jwk: Record<string, unknown>): HeldKey | string {
  if (!('kty' in jwk)) return '[kty] is missing in [keys]';
  const kty = str(jwk.kty);
  if (kty === undefined) return '[kty] is bad in [keys]';
  const kid = str(jwk.kid) ?? '';
  const algSpecified = typeof jwk.alg === 'string';
  const alg = str(jwk.alg) ?? '';
  try {
    if (kty === 'RSA') {
      if (algSpecified && !(alg.startsWith('RS') || alg.startsWith('PS'))) return '[alg] is not started with [RS] or [PS] for an RSA key';
      if (!('n' in jwk)) return '[n] field is missing for a RSA key';
      if (typeof jwk.n !== 'string') return '[n] field is not string for a RSA key';
      if (!('e' in jwk)) return '[e] field is missing for a RSA key';
      if (typeof jwk.e !== 'string') return '[e] field is not string for a RSA key';
      const n = decodeBase64Url(jwk.n);
      const e = decodeBase64Url(jwk.e);
      if (!n || !e || n.length === 0) return 'Jwks RSA [n] or [e] field is missing or has a parse error';
      const eNum = e.length <= 4 ? e.readUIntBE(0, Math.max(e.length, 1)) : -1;
      if (eNum !== 3 && eNum !== 65537) return 'Jwks RSA [n] or [e] field is missing or has a parse error';
      const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
      return { kid, alg, kty, key };
    }
    if (kty === 'EC') {
      if (algSpecified && !alg.startsWith('ES')) return '[alg] is not started with [ES] for an EC key';
      if ('crv' in jwk && typeof jwk.crv !== 'string') return '[crv] field is not string for an EC key';
      let crv = str(jwk.crv) ?? '';
      if (algSpecified && crv) {
        const ok = (alg === 'ES256' && crv === 'P-256') || (alg === 'ES384' && crv === 'P-384') || (alg === 'ES512' && crv === 'P-521');
        if (!ok) return '[crv] field specified is not compatible with [alg] for an EC key';
      }
      if (!algSpecified && !crv) crv = 'P-256';
      if (alg === 'ES256' || crv === 'P-256') crv = 'P-256';
      else if (alg === 'ES384' || crv === 'P-384') crv = 'P-384';
      else if (alg === 'ES512' || crv === 'P-521') crv = 'P-521';
      else return '[crv] or [alg] field is not supported for an EC key';
      if (!('x' in jwk)) return '[x] field is missing for an EC key';
      if (typeof jwk.x !== 'string') return '[x] field is not string for an EC key';
      if (!('y' in jwk)) return '[y] field is missing for an EC key';
      if (typeof jwk.y !== 'string') return '[y] field is not string for an EC key';
      const key = createPublicKey({ key: { kty: 'EC', crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
      return { kid, alg, kty, crv, key };
    }
    if (kty === 'oct') {
      if (algSpecified && alg !== 'HS256' && alg !== 'HS384' && alg !== 'HS512') return '[alg] does not start with [HS] for an HMAC key';
      if (!('k' in jwk)) return '[k] field is missing for an HMAC key';
      if (typeof jwk.k !== 'string') return '[k] field is not string for an HMAC key';
      const secret = decodeBase64Url(jwk.k);
      if (!secret || secret.length === 0) return 'Jwks Oct key is an invalid Base64';
      return { kid, alg, kty, secret };
    }
    if (kty === 'OKP') {
      if (algSpecified && alg !== 'EdDSA') return '[alg] is not [EdDSA] for an OKP key';
      if (!('crv' in jwk)) return '[crv] field is missing for an OKP key';
      if (typeof jwk.crv !== 'string') return '[crv] field is not string for an OKP key';
      if (jwk.crv !== 'Ed25519') return '[crv] field is not supported for an OKP key';
      if (!('x' in jwk)) return '[x] field is missing for an OKP key';
      if (typeof jwk.x !== 'string') return '[x] field is not string for an OKP key';
      const x = decodeBase64Url(jwk.x);
      if (!x) return 'Jwks OKP [x] field is an invalid Base64.';
      if (x.length !== 32) return 'Jwks OKP [x] field is wrong length.';
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
      return { kid, alg, kty, crv: 'Ed25519', key };
    }
  } catch {
    return `Jwks ${kty} key could not be loaded`;
  }
  return '[kty] is not supported in [keys]';
}

export function loadJwks(jwks: Jwks | undefined): HeldJwks {
  const raw = jwks as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { invalidReason: 'Jwks is an invalid JSON', keys: [] };
  const obj = raw as Record<string, unknown>;
  if (!('keys' in obj)) return { invalidReason: 'Jwks does not have [keys] field', keys: [] };
  if (!Array.isArray(obj.keys)) return { invalidReason: '[keys] in Jwks is not an array', keys: [] };
  const keys: HeldKey[] = [];
  for (const entry of obj.keys) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) continue;
    const loaded = loadKey(entry as Record<string, unknown>);
    if (typeof loaded === 'string') return { invalidReason: loaded, keys };
    keys.push(loaded);
  }
  if (keys.length === 0) return { invalidReason: "Jwks doesn't have any valid public key", keys };
  return { keys };
}

// The same Jwks object (one per fetch) is parsed once, not once per request.
const cache = new WeakMap<object, HeldJwks>();

export function heldJwks(jwks: Jwks): HeldJwks {
  const hit = cache.get(jwks);
  if (hit) return hit;
  const held = loadJwks(jwks);
  cache.set(jwks, held);
  return held;
}

/**
 * What istiod inlines when it cannot fetch a jwksUri (pilot/pkg/model
 * jwks_resolver.go FakeJwks): one RSA key with no kid and no alg, whose private
 * half nobody has. Every RS/PS token matches it by kid/alg and then fails the
 * signature check.
 */
export const FAKE_JWKS: Jwks = {
  keys: [
    {
      kty: 'RSA',
      e: 'AQAB',
      n: 'vqS7RN4b34i3_5YyhygtBe33gI6GK_0ldW8WMZaunS28T-WAzJOAoZ7E9Y0mHS8vcDES0eZIUpp6Ft9sRPhOlzQfo_7l-3DnaD9LxJVKdXjE1jugxfI9YX1qJpD9S9wRZxQIhPky9UzZDkpFh_KpL6pZUt4cbPtW0VCctjqvpI11yHNk4CEbzw-RRFLMJkLFJqgPa2JPzGZ-TqJdkSDQ7UtRiKzjRcWGnAdLsTq6WabDA1Fn1JVI9TWu-YDbLufDUDco46qyPgpxAqcRQG39cWZAQzMwNEZ-Yec_WiqDYqGTU6K8BBWeEIuMhiWfxGmtqX35rb9Qk_qeYDsqqT95Pw',
    },
  ],
};
