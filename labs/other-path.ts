import { PRIMARY_REALM } from '../scripts/core/config.js';
import type { LabDefinition } from '../scripts/labs/types.js';
import { errata, FACTS } from './facts.js';

export const otherPath: LabDefinition = {
  id: 'other-path',
  title: 'Paths no ALLOW rule covers: 403, with or without a token',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'GET /admin without a token',
      request: { path: '/admin' },
      expect: { status: 403, body: 'RBAC: access denied' },
    },
    {
      kind: 'gateway',
      name: 'GET /admin with demo-user\'s valid token',
      request: { path: '/admin', token: { kind: 'password', realm: PRIMARY_REALM, client: 'admin-portal', user: 'demo-user' } },
      expect: { status: 403, body: 'RBAC: access denied' },
    },
  ],
  explain: `The two ALLOW policies cover /static/* and /api/*. Once any ALLOW policy selects a workload,
Istio denies whatever none of them allows, so /admin is 403 for everyone, even with a valid token
(it passes jwt_authn, then RBAC finds no rule). The lab's deny-all DENY policy uses notPaths so it
only matches what the ALLOWs do not cover: it changes no answer here. A deny-all that matched
everything would win over both ALLOWs, because DENY is evaluated first, and break the whole site.`,
  facts: [FACTS.implicitDeny, errata(10, 'It must exclude `/api/*` and `/static/*` (e.g. `notPaths`), or be left out', 'a `deny-all` DENY policy beside the ALLOWs')],
};
