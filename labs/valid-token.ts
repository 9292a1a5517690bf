import { PRIMARY_REALM } from '../scripts/core/config.js';
import type { LabDefinition } from '../scripts/labs/types.js';
import { FACTS } from './facts.js';

export const validToken: LabDefinition = {
  id: 'valid-token',
  title: 'A real Keycloak token (admin-portal password grant, dev-only) gets through',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'GET /api/books with demo-user\'s token',
      request: { path: '/api/books', token: { kind: 'password', realm: PRIMARY_REALM, client: 'admin-portal', user: 'demo-user' } },
      expect: {
        status: 200,
        body: null,
        checks: [
          { what: 'the backend received x-jwt-payload', at: 'receivedHeaders', contains: 'x-jwt-payload' },
          { what: 'its tenant claim is acme-books', at: 'receivedJwtPayload.tenant', equals: 'acme-books' },
          { what: 'its iss is the pinned issuer', at: 'receivedJwtPayload.iss', equals: (e) => e.issuer },
          { what: 'its aud lists admin-portal', at: 'receivedJwtPayload.aud', contains: 'admin-portal' },
          { what: 'its sub is the token\'s sub', at: 'receivedJwtPayload.sub', equals: (e) => e.sentClaims?.sub },
          { what: 'Authorization was forwarded (forwardOriginalToken: true)', at: 'receivedHeaders', contains: 'authorization' },
        ],
      },
    },
  ],
  explain: `The token comes from Keycloak's password grant on admin-portal: username and password straight
to the token endpoint. That grant exists here only so one curl line can fetch a token; it is a
development shortcut (browsers use the authorization-code + PKCE flow, see pkce-login) and should be
off on every production client.
The gateway checks the token (issuer, time, audience, signature against the realm's JWKS), then
RBAC sees a principal and a tenant claim, so /api/books is allowed. The backend never verifies
anything: it trusts what the gateway hands it. It gets the verified claims as base64url JSON in
x-jwt-payload (outputPayloadToHeader), and it still gets Authorization because the
RequestAuthentication sets forwardOriginalToken: true (by default Istio strips it).`,
  facts: [FACTS.payloadHeader, FACTS.forwardOriginal, FACTS.kcAudience],
};
