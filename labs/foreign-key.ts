import type { LabDefinition } from '../scripts/labs/types.js';
import { FACTS } from './facts.js';

export const foreignKey: LabDefinition = {
  id: 'foreign-key',
  title: "Signed by an attacker's key: 401 \"Jwks doesn't have key to match kid or alg from Jwt\"",
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'right iss/aud/exp, attacker\'s RSA key and its own kid',
      request: { path: '/api/books', token: { kind: 'foreign-key', kid: 'attacker' } },
      expect: { status: 401, body: "Jwks doesn't have key to match kid or alg from Jwt" },
    },
    {
      kind: 'gateway',
      name: 'the attacker copies the realm\'s real kid into the header',
      request: { path: '/api/books', token: { kind: 'foreign-key', kid: 'realm' } },
      expect: { status: 401, body: 'Jwt verification fails' },
    },
  ],
  explain: `Every claim is right (issuer, audience, expiry, tenant) and the token is properly signed, just
with a key the attacker generated. The gateway only trusts the keys in the realm's JWKS. With the
attacker's own kid there is no key to even try: "Jwks doesn't have key to match kid or alg from Jwt".
Copying the realm's published kid into the header gets one step further: Envoy picks the realm's
public key and the signature fails against it: "Jwt verification fails". The same two answers show
up in real life when a gateway holds a stale JWKS during key rotation (see key-rotation).`,
  facts: [FACTS.kidMismatch, FACTS.badSignature],
};
