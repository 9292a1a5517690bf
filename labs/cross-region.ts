import { PRIMARY_REALM } from '../scripts/core/config.js';
import type { LabDefinition } from '../scripts/labs/types.js';
import { FACTS } from './facts.js';

export const crossRegion: LabDefinition = {
  id: 'cross-region',
  title: 'One token from the us-east Keycloak is honoured in every region',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'the one demo token issued by us-east\'s Keycloak',
      request: { path: '/api/books', token: { kind: 'password', realm: PRIMARY_REALM, client: 'admin-portal', user: 'demo-user' } },
      expect: {
        status: 200,
        body: null,
        checks: [{ what: 'the backend in this region saw us-east\'s issuer', at: 'receivedJwtPayload.iss', equals: (e) => e.issuer }],
      },
    },
    {
      kind: 'gateway',
      name: 'a tenant-globex token, refused here too',
      request: { path: '/api/books', token: { kind: 'password', realm: 'tenant-globex', client: 'globex-portal', user: 'globex-user' } },
      expect: { status: 401, body: 'Jwt issuer is not configured' },
    },
  ],
  explain: `Keycloak runs once, in us-east. The lab asks it for ONE token and sends that same string to
every region's gateway. Each gateway verifies it on its own, offline, with the public keys it
fetched from us-east's JWKS (on kind, each region's istiod fetches the jwksUri across the shared
docker network and pushes the keys into its gateway's Envoy config). Nothing calls Keycloak per
request, which is why a regional gateway keeps working if the link to us-east drops, until the
keys rotate. The same rules apply everywhere, so a token from the wrong realm fails everywhere.`,
  facts: [FACTS.jwksInlined, FACTS.unknownIssuer],
};
