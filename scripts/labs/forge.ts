// Lab-made tokens: each one is a real demo token changed in exactly one way,
// so the gateway's answer can only be about that one change.
import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { decodeJwt } from '../keycloak/tokens.js';

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** The kid under which a JWKS publishes this private key's public half, if it does. */
export function kidFor(jwks: { keys: Array<Record<string, unknown>> }, privateKey: KeyObject): string | undefined {
  const n = (createPublicKey(privateKey).export({ format: 'jwk' }) as { n?: string }).n;
  const hit = jwks.keys.find((k) => k.kty === 'RSA' && k.use !== 'enc' && k.n === n);
  return typeof hit?.kid === 'string' ? hit.kid : undefined;
}

/** Claims of a real token with a new lifetime: `expIn` seconds from now (negative = already expired). */
export function withLifetime(claims: Record<string, unknown>, expIn: number, now = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  const exp = now + expIn;
  return { ...claims, iat: exp - 300, exp, jti: randomUUID() };
}

export async function signRs256(claims: Record<string, unknown>, key: KeyObject, kid: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
}

/** Edit the payload of a signed token and keep its header and signature as they were. */
export function tamper(token: string, set: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  const { payload } = decodeJwt(token);
  return `${header}.${b64json({ ...payload, ...set })}.${signature}`;
}

let attackerKey: KeyObject | undefined;
/** One attacker RSA key per process: generating 2048-bit keys costs tens of ms. */
export function attackerPrivateKey(): KeyObject {
  attackerKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return attackerKey;
}
export const ATTACKER_KID = 'attacker-key-1';

/**
 * An unsigned token. With an empty third section the token has two dots but
 * only two non-empty parts, which Envoy refuses as malformed before it looks
 * at `alg`; with any non-empty third section it reaches the `alg` check.
 */
export function algNone(claims: Record<string, unknown>, signature: 'empty' | 'junk'): string {
  const sig = signature === 'empty' ? '' : Buffer.from('unsigned').toString('base64url');
  return `${b64json({ alg: 'none', typ: 'JWT' })}.${b64json(claims)}.${sig}`;
}
