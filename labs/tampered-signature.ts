import type { LabDefinition } from '../scripts/labs/types.js';
import { FACTS } from './facts.js';

export const tamperedSignature: LabDefinition = {
  id: 'tampered-signature',
  title: 'Edited payload, original signature: 401 "Jwt verification fails"',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'demo-user\'s token with tenant rewritten to another tenant',
      request: { path: '/api/books', token: { kind: 'tamper', set: { tenant: 'globex-corp' } } },
      expect: { status: 401, body: 'Jwt verification fails' },
    },
  ],
  explain: `The token is a real one from Keycloak; only the payload was decoded, its tenant changed, and
re-encoded. Issuer, expiry and audience are all still fine and the header still names the realm's
kid, so Envoy finds the right public key, and then the RS256 signature, computed over the
original header and payload, no longer matches the bytes it is given. Anyone can read and edit a
JWT payload (it is only base64url); nobody without the realm's private key can make the signature
agree. That is the whole point of signing claims such as tenant.`,
  facts: [FACTS.badSignature, FACTS.checkOrder],
};
