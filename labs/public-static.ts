import type { LabDefinition } from '../scripts/labs/types.js';
import { errata, FACTS } from './facts.js';

export const publicStatic: LabDefinition = {
  id: 'public-static',
  title: 'Public /static: open without a token, but a bad token is still refused',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'GET /static/index.html without a token',
      request: { path: '/static/index.html' },
      expect: { status: 200, body: null },
    },
    {
      kind: 'gateway',
      name: 'GET /static/index.html with a token that expired 120 s ago',
      request: { path: '/static/index.html', token: { kind: 'forge', exp: -120 } },
      expect: { status: 401, body: 'Jwt is expired' },
    },
  ],
  explain: `allow-public-static lets anyone GET /static/*, so no token is needed. But the
RequestAuthentication selects the whole gateway, not a path: every request that carries a token
has it checked, and a token that fails is refused with 401 before the AuthorizationPolicies are
even consulted. "Public" means "no token required", not "tokens ignored". A browser that keeps
sending a stale token to a public page gets 401 until it drops it.`,
  facts: [FACTS.allowMissing, FACTS.filterOrder, errata(6, 'RequestAuthentication alone rejects expired/invalid tokens with 401; only a MISSING token slips through.', 'an expired token passes when only RequestAuthentication exists')],
};
