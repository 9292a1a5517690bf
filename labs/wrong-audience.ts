import { PRIMARY_REALM } from '../scripts/core/config.js';
import type { LabDefinition } from '../scripts/labs/types.js';
import { errata, FACTS } from './facts.js';

export const wrongAudience: LabDefinition = {
  id: 'wrong-audience',
  title: 'Right realm, wrong audience: 403 "Audiences in Jwt are not allowed"',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'GET /api/books with a catalog-reporting token (aud: account)',
      request: { path: '/api/books', token: { kind: 'password', realm: PRIMARY_REALM, client: 'catalog-reporting', user: 'demo-user' } },
      expect: { status: 403, body: 'Audiences in Jwt are not allowed' },
    },
  ],
  explain: `catalog-reporting is in the right realm and demo-user has a tenant, but the client has no
audience mapper, so Keycloak writes its default aud: "account". The RequestAuthentication lists
storefront-web, admin-portal and kiosk-shortlived, none of which is in the token, so jwt_authn
refuses it. Note the status: this jwt_authn failure is the one that answers 403, not 401, and it
happens before any AuthorizationPolicy is consulted. With the chapter's realm as printed (no
audience mappers) every token would land here; the lab's realm adds an oidc-audience-mapper to
each client the gateway trusts.`,
  facts: [FACTS.audience, FACTS.kcAudience, errata(3, "The demo token's `aud` is `account` (Keycloak default).", 'the demo token passes with `audiences: ["storefront-web"]`')],
};
