import { PRIMARY_REALM } from '../scripts/core/config.js';
import type { LabDefinition } from '../scripts/labs/types.js';
import { errata, FACTS } from './facts.js';

export const noToken: LabDefinition = {
  id: 'no-token',
  title: 'No token on /api/books: 403 from RBAC, not 401',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'GET /api/books without a token',
      request: { path: '/api/books' },
      expect: { status: 403, body: 'RBAC: access denied' },
    },
    {
      kind: 'gateway',
      name: 'a real token sent WITHOUT the "Bearer " prefix is no token at all',
      request: { path: '/api/books', token: { kind: 'password', realm: PRIMARY_REALM, client: 'admin-portal', user: 'demo-user' }, tokenIn: 'no-prefix' },
      expect: { status: 403, body: 'RBAC: access denied' },
    },
  ],
  explain: `RequestAuthentication only judges tokens that are there. A request that carries none walks
through the jwt_authn filter untouched (Istio configures it as "any provider, or allow missing").
The refusal comes one filter later, from RBAC: the require-jwt-api ALLOW rule wants a request
principal (iss/sub of a verified token), no other ALLOW rule covers /api/books, and once any ALLOW
policy selects the gateway everything it does not allow is denied. That denial is always
403 "RBAC: access denied". A 401 only ever means "you sent a token and it is wrong".
The second request shows the same thing from another side: the token is perfectly valid, but Envoy
only looks for "Bearer <jwt>" in Authorization, so without the prefix it counts as missing.`,
  facts: [
    FACTS.noTokenRbac,
    FACTS.allowMissing,
    FACTS.bearerPrefix,
    errata(1, 'real Istio answers **403 `RBAC: access denied`**', '"API path, no JWT: 401 at the gateway"'),
  ],
};
