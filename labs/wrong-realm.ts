import type { LabDefinition } from '../scripts/labs/types.js';
import { errata, FACTS } from './facts.js';

export const wrongRealm: LabDefinition = {
  id: 'wrong-realm',
  title: 'A real token from another realm: 401 "Jwt issuer is not configured"',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'GET /api/books with globex-user\'s tenant-globex token',
      request: { path: '/api/books', token: { kind: 'password', realm: 'tenant-globex', client: 'globex-portal', user: 'globex-user' } },
      expect: { status: 401, body: 'Jwt issuer is not configured' },
    },
  ],
  explain: `tenant-globex is a separate realm: its own users, its own signing keys, and its own issuer
(.../realms/tenant-globex). The token is genuine and unexpired, and its audience does not matter:
jwt_authn picks the provider by the token's iss, and no jwtRule names that issuer. The check happens right after parsing, before time, audience or signature, so the answer
is 401 "Jwt issuer is not configured". This is realm-per-tenant isolation at the edge: a token
from one tenant's realm is not even considered by another tenant's gateway rules. No
AuthorizationPolicy turns it into a 403: jwt_authn answers before RBAC runs.`,
  facts: [FACTS.unknownIssuer, FACTS.checkOrder, errata(7, 'a wrong-realm token is 401 before any AuthorizationPolicy runs', '"The AuthorizationPolicy converts these into 403"')],
};
