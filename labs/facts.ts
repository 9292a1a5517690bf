// The reference lines the labs rest on, named once. Each `quote` appears
// verbatim (whitespace aside) in ../shared/reference/<ref>; a unit test checks.
import type { Fact } from '../scripts/labs/types.js';

const table = (quote: string): Fact => ({ ref: 'istio-jwt.md', section: 'Status and body for each failure', quote });

export const FACTS = {
  noTokenRbac: table('no token, ALLOW policy needs `requestPrincipals: ["*"]` | 403 | `RBAC: access denied`'),
  expired: table('expired (beyond 60 s skew) | 401 | `Jwt is expired`'),
  unknownIssuer: table('issuer not in any jwtRule (e.g. another realm) | 401 | `Jwt issuer is not configured`'),
  audience: table('audience not allowed | **403** | `Audiences in Jwt are not allowed`'),
  badSignature: table('bad signature | 401 | `Jwt verification fails`'),
  kidMismatch: table("kid/alg matches no JWKS key | 401 | `Jwks doesn't have key to match kid or alg from Jwt`"),
  algUnsupported: table('unsupported alg (e.g. `none`) | 401 | `Jwt header [alg] is not supported`'),
  badFormat: table('not three dot-separated parts | 401 | `Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections`'),
  allowMissing: {
    ref: 'istio-jwt.md',
    section: 'How istiod turns a RequestAuthentication into Envoy config',
    quote: 'A request with NO token passes `jwt_authn`; a request with a token that fails is rejected.',
  },
  filterOrder: {
    ref: 'istio-jwt.md',
    section: 'How istiod turns a RequestAuthentication into Envoy config',
    quote: 'So a bad token is answered by `jwt_authn` (401) before any AuthorizationPolicy runs.',
  },
  checkOrder: {
    ref: 'istio-jwt.md',
    section: 'How istiod turns a RequestAuthentication into Envoy config',
    quote: 'Check order inside `jwt_authn`: parse, issuer, exp/nbf (with clock skew), audience, signature.',
  },
  skew: {
    ref: 'istio-jwt.md',
    section: 'How istiod turns a RequestAuthentication into Envoy config',
    quote: 'A token that expired 30 s ago is still ACCEPTED.',
  },
  jwksInlined: {
    ref: 'istio-jwt.md',
    section: 'How istiod turns a RequestAuthentication into Envoy config',
    quote: 'JWKS: by default istiod fetches `jwksUri` itself and inlines the keys into Envoy config',
  },
  implicitDeny: {
    ref: 'istio-jwt.md',
    section: 'AuthorizationPolicy semantics',
    quote: 'So once an ALLOW policy selects the gateway, every path not allowed by some ALLOW rule is 403.',
  },
  presence: {
    ref: 'istio-jwt.md',
    section: 'AuthorizationPolicy semantics',
    quote: 'To require a claim to be present use `values: ["*"]`.',
  },
  principalNeedsIssSub: {
    ref: 'istio-jwt.md',
    section: 'AuthorizationPolicy semantics',
    quote: '`requestPrincipals: ["*"]` (1.21+ proxies) requires non-empty `iss` AND `sub` in the token.',
  },
  forwardOriginal: {
    ref: 'istio-jwt.md',
    section: 'RequestAuthentication fields',
    quote: '`forwardOriginalToken` default false: after SUCCESSFUL validation the header the token came from (Authorization) is removed before the request goes upstream. true keeps it.',
  },
  payloadHeader: {
    ref: 'istio-jwt.md',
    section: 'RequestAuthentication fields',
    quote: 'Both header names are REMOVED from incoming requests first, so a client cannot forge them.',
  },
  bearerPrefix: {
    ref: 'istio-jwt.md',
    section: 'RequestAuthentication fields',
    quote: 'A header without the prefix counts as no token.',
  },
  wwwAuthenticate: {
    ref: 'istio-jwt.md',
    section: 'Status and body for each failure',
    quote: '401 responses carry `WWW-Authenticate: Bearer realm="<original uri>", error="invalid_token"`.',
  },
  kcAudience: {
    ref: 'keycloak.md',
    section: 'Realm import',
    quote: 'Audience: Keycloak puts `aud: "account"` in access tokens (Audience Resolve mapper), NOT the client id.',
  },
  kcDirectGrant: {
    ref: 'keycloak.md',
    section: 'Realm import',
    quote: 'Direct grant on a client with `directAccessGrantsEnabled: false` answers 400/401 with `unauthorized_client`',
  },
  kcPkce: {
    ref: 'keycloak.md',
    section: 'Realm import',
    quote: '`attributes: {"pkce.code.challenge.method": "S256", "access.token.lifespan": "<seconds>"}`',
  },
  kcIssuer: {
    ref: 'keycloak.md',
    section: 'Realm import',
    quote: '`iss` = frontend URL + `/realms/<realm>`.',
  },
  kcRotationAdd: {
    ref: 'keycloak.md',
    section: 'Key rotation',
    quote: 'The highest-priority ACTIVE key signs new tokens.',
  },
  kcRotationPassive: {
    ref: 'keycloak.md',
    section: 'Key rotation',
    quote: 'Make the old key passive (`active: ["false"]`): it still verifies, is still published in JWKS.',
  },
  kcRotationDisable: {
    ref: 'keycloak.md',
    section: 'Key rotation',
    quote: 'Disable it (`enabled: ["false"]`) or delete it: it leaves JWKS.',
  },
  kcLifespan: {
    ref: 'keycloak.md',
    section: 'Realm import',
    quote: '"access.token.lifespan": "<seconds>"',
  },
  jwksRefresh: {
    ref: 'istio-jwt.md',
    section: 'How istiod turns a RequestAuthentication into Envoy config',
    quote: 'Refresh interval `PILOT_JWT_PUB_KEY_REFRESH_INTERVAL`, default 20m',
  },
} satisfies Record<string, Fact>;

/** An errata item: the chapter's claim and where the reference corrects it. */
export function errata(item: number, quote: string, chapterSaid: string): Fact {
  return { ref: 'chapter-errata.md', section: `item ${item}`, quote, errata: item, chapterSaid };
}
