import { PRIMARY_REALM } from '../scripts/core/config.js';
import type { LabDefinition } from '../scripts/labs/types.js';
import { FACTS } from './facts.js';

export const directGrantRefused: LabDefinition = {
  id: 'direct-grant-refused',
  title: 'The browser client refuses the password grant: unauthorized_client',
  targets: { kind: true, local: true },
  regions: 'us-east',
  steps: [
    {
      kind: 'keycloak-grant',
      name: 'password grant on storefront-web',
      grant: { type: 'password', realm: PRIMARY_REALM, client: 'storefront-web', user: 'demo-user' },
      expect: { status: 400, error: 'unauthorized_client' },
    },
  ],
  explain: `storefront-web is the browser app's client: public (no secret) and with direct access grants
switched off. A browser must never collect the user's password and post it to the token endpoint;
it sends the user to Keycloak's login page and gets a code back (see pkce-login). So Keycloak
refuses the grant itself, before it even checks the password: 400 unauthorized_client,
"Client not allowed for direct access grants". admin-portal has the grant on only as the lab's
curl shortcut; a production realm turns it off everywhere.`,
  facts: [FACTS.kcDirectGrant],
};
