// verifyJwtWithoutTimeChecking from jwt_verify_lib (src/verify.cc): walk the
// held keys; a key is a candidate unless both kids are set and differ, or the
// key's alg is set and differs from the token's. No candidate at all gives
// "Jwks doesn't have key to match kid or alg from Jwt"; candidates that all
// fail give "Jwt verification fails". kty decides the algorithm family, so an
// HS256 token never verifies against an RSA key (with alg RS256 it is not even
// a candidate). jku/x5u/jwk headers are never read.
import { createHmac, timingSafeEqual, verify as cryptoVerify, constants } from 'node:crypto';
import type { HeldJwks } from './jwks.js';
import type { ParsedJwt } from './jwt.js';
import type { JwtStatusName } from './status.js';

function hashFor(alg: string): string {
  if (alg.endsWith('384')) return 'sha384';
  if (alg.endsWith('512')) return 'sha512';
  return 'sha256';
}

export interface KeyVerdict {
  status: JwtStatusName | 'Ok';
  /** How many keys were candidates by kid/alg (for the trace). */
  candidates: number;
}

export function verifySignature(jwt: ParsedJwt, jwks: HeldJwks): KeyVerdict {
  const data = Buffer.from(`${jwt.headerB64}.${jwt.payloadB64}`);
  let candidates = 0;
  for (const k of jwks.keys) {
    if (jwt.kid && k.kid && k.kid !== jwt.kid) continue;
    if (k.alg && k.alg !== jwt.alg) continue;
    candidates++;
    try {
      if (k.kty === 'EC' && k.key) {
        if (cryptoVerify(hashFor(jwt.alg), data, { key: k.key, dsaEncoding: 'ieee-p1363' }, jwt.signature)) {
          return { status: 'Ok', candidates };
        }
      } else if (k.kty === 'RSA' && k.key) {
        if (jwt.alg.startsWith('RS')) {
          if (cryptoVerify(hashFor(jwt.alg), data, k.key, jwt.signature)) return { status: 'Ok', candidates };
        } else if (jwt.alg.startsWith('PS')) {
          const ok = cryptoVerify(
            hashFor(jwt.alg),
            data,
            { key: k.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
            jwt.signature,
          );
          if (ok) return { status: 'Ok', candidates };
        }
      } else if (k.kty === 'oct' && k.secret) {
        const mac = createHmac(hashFor(jwt.alg), k.secret).update(data).digest();
        if (mac.length === jwt.signature.length && timingSafeEqual(mac, jwt.signature)) return { status: 'Ok', candidates };
      } else if (k.kty === 'OKP' && k.key) {
        if (jwt.signature.length !== 64) return { status: 'JwtEd25519SignatureWrongLength', candidates };
        if (cryptoVerify(null, data, k.key, jwt.signature)) return { status: 'Ok', candidates };
      }
    } catch {
      // A malformed signature is a failed verification, never a crash.
    }
  }
  return { status: candidates > 0 ? 'JwtVerificationFail' : 'JwksKidAlgMismatch', candidates };
}
