import { PRIMARY_REALM } from '../scripts/core/config.js';
import type { LabDefinition } from '../scripts/labs/types.js';
import { errata, FACTS } from './facts.js';

export const missingTenantClaim: LabDefinition = {
  id: 'missing-tenant-claim',
  title: 'A valid token without a tenant claim: 403 "RBAC: access denied"',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'GET /api/books with no-tenant-user\'s token',
      request: { path: '/api/books', token: { kind: 'password', realm: PRIMARY_REALM, client: 'admin-portal', user: 'no-tenant-user' } },
      expect: { status: 403, body: 'RBAC: access denied' },
    },
  ],
  explain: `no-tenant-user is in no tenant group, so the tenant mapper adds nothing and the token has no
tenant claim. Authentication succeeds: issuer, time, audience and signature are all fine. The
refusal is authorization: require-jwt-api's rule also says
when request.auth.claims[tenant] values ["*"], and "*" only matches a present, non-empty value.
The chapter's notValues: [""] would not work: istiod's webhook rejects an empty value, and
notValues matches when the claim is absent, the very case it was meant to stop.`,
  facts: [FACTS.presence, FACTS.implicitDeny, errata(2, 'A presence check is `values: ["*"]`.', '`when: key: request.auth.claims[tenant], notValues: [""]` checks the claim is present')],
};
