// Keys, tokens and policy documents for the engine tests. Tokens are signed
// with jose; hand-made (malformed) ones are assembled from raw segments.
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createHmac, createPublicKey, createSign, KeyObject } from 'node:crypto';
import type { Jwks, JwksLookup } from '../../../scripts/engine/types.js';

export const ISSUER = 'http://localhost:8090/realms/bookstore-platform';
export const OTHER_ISSUER = 'http://localhost:8090/realms/tenant-globex';
export const JWKS_URI = 'http://127.0.0.1:8090/realms/bookstore-platform/protocol/openid-connect/certs';
export const OTHER_JWKS_URI = 'http://127.0.0.1:8090/realms/tenant-globex/protocol/openid-connect/certs';
export const NOW = 1_700_000_000;

export interface Signer {
  kid: string;
  privateKey: CryptoKey;
  privateKeyObject: KeyObject;
  publicJwk: JWK;
  /** SPKI PEM of the public key (what an attacker would use as an HMAC secret). */
  pem: string;
}

export async function rsaSigner(kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const pem = createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  return { kid, privateKey, privateKeyObject: KeyObject.from(privateKey), publicJwk, pem };
}

/** Keycloak-like JWKS: the signing key plus an RSA-OAEP encryption key. */
export async function keycloakJwks(signer: Signer): Promise<Jwks> {
  const { publicKey } = await generateKeyPair('RSA-OAEP', { extractable: true });
  const enc = { ...(await exportJWK(publicKey)), kid: `${signer.kid}-enc`, alg: 'RSA-OAEP', use: 'enc' };
  return { keys: [enc as Record<string, unknown>, signer.publicJwk as Record<string, unknown>] };
}

export function lookup(map: Record<string, Jwks | undefined>): JwksLookup {
  return (uri) => map[uri];
}

export interface Claims {
  [k: string]: unknown;
}

export function baseClaims(over: Claims = {}): Claims {
  return {
    iss: ISSUER,
    sub: 'user-1',
    aud: ['storefront-web', 'account'],
    tenant: 'acme-books',
    iat: NOW - 10,
    exp: NOW + 300,
    ...over,
  };
}

export async function sign(signer: Signer, claims: Claims = baseClaims(), header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims as never).setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT', ...header } as never).sign(signer.privateKey);
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A token with any header/payload JSON (or raw strings), RS256-signed with `signer` when given. */
export function rawToken(header: unknown, payload: unknown, signer?: Signer, sig?: string): string {
  const h = b64(header);
  const p = b64(payload);
  if (sig !== undefined) return `${h}.${p}.${sig}`;
  if (!signer) return `${h}.${p}.${b64('not-a-signature')}`;
  const s = createSign('RSA-SHA256').update(`${h}.${p}`).sign(signer.privateKeyObject);
  return `${h}.${p}.${s.toString('base64url')}`;
}

/** The classic confusion attack: HS256 with the RSA public key (PEM) as the HMAC secret. */
export function hs256WithPublicKey(signer: Signer, payload: Claims): string {
  const h = b64({ alg: 'HS256', typ: 'JWT', kid: signer.kid });
  const p = b64(payload);
  const mac = createHmac('sha256', signer.pem).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${mac}`;
}

// --- policy documents modelled on the lab's manifests ---

export const selector = { matchLabels: { istio: 'ingressgateway' } };

export function requestAuthentication(jwtRules: Array<Record<string, unknown>>, meta: Record<string, unknown> = {}) {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'RequestAuthentication',
    metadata: { name: 'storefront-keycloak', namespace: 'istio-system', ...meta },
    spec: { selector, jwtRules },
  };
}

export function labRule(over: Record<string, unknown> = {}) {
  return {
    issuer: ISSUER,
    jwksUri: JWKS_URI,
    audiences: ['storefront-web', 'admin-portal', 'kiosk-shortlived'],
    forwardOriginalToken: true,
    outputPayloadToHeader: 'x-jwt-payload',
    ...over,
  };
}

export function authz(name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: 'istio-system', ...meta },
    spec: { selector, ...spec },
  };
}

export const labAuthz = [
  authz('allow-public-static', { action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET', 'HEAD'], paths: ['/static/*'] } }] }] }),
  authz('require-jwt-api', {
    action: 'ALLOW',
    rules: [
      {
        from: [{ source: { requestPrincipals: ['*'] } }],
        to: [{ operation: { paths: ['/api/*'] } }],
        when: [{ key: 'request.auth.claims[tenant]', values: ['*'] }],
      },
    ],
  }),
  authz('deny-all', { action: 'DENY', rules: [{ to: [{ operation: { notPaths: ['/api/*', '/static/*'] } }] }] }),
];

export function get(path: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return { method: 'GET', path, headers: { host: 'localhost:8443', ...headers }, scheme: 'https' as const, ...extra };
}
