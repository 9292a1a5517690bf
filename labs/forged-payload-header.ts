import { PRIMARY_REALM } from '../scripts/core/config.js';
import type { LabDefinition } from '../scripts/labs/types.js';
import { FACTS } from './facts.js';

/** What an attacker would like the backend to believe. */
export const FORGED_CLAIMS = { iss: 'http://attacker.example/realms/bookstore-platform', sub: 'attacker', tenant: 'evil-corp' };
const forged = Buffer.from(JSON.stringify(FORGED_CLAIMS)).toString('base64url');

export const forgedPayloadHeader: LabDefinition = {
  id: 'forged-payload-header',
  title: 'A client-sent x-jwt-payload never reaches the backend',
  targets: { kind: true, local: true },
  regions: 'each',
  steps: [
    {
      kind: 'gateway',
      name: 'valid token + a forged x-jwt-payload claiming tenant evil-corp',
      request: {
        path: '/api/books',
        token: { kind: 'password', realm: PRIMARY_REALM, client: 'admin-portal', user: 'demo-user' },
        headers: { 'x-jwt-payload': forged },
      },
      expect: {
        status: 200,
        body: null,
        checks: [
          { what: 'the backend sees the verified tenant, not the forged one', at: 'receivedJwtPayload.tenant', equals: 'acme-books' },
          { what: 'the backend sees the verified sub, not "attacker"', at: 'receivedJwtPayload.sub', equals: (e) => e.sentClaims?.sub },
          { what: 'the backend sees the pinned issuer', at: 'receivedJwtPayload.iss', equals: (e) => e.issuer },
        ],
      },
    },
    {
      kind: 'gateway',
      name: 'a forged x-jwt-payload on the public path, no token',
      request: { path: '/static/echo.json', headers: { 'x-jwt-payload': forged } },
      expect: {
        status: 200,
        body: null,
        checks: [
          { what: 'the backend received no x-jwt-payload at all on the public path', at: 'receivedHeaders', lacks: 'x-jwt-payload' },
          { what: 'so it decoded no claims', at: 'receivedJwtPayload', equals: null },
        ],
      },
    },
    {
      kind: 'gateway',
      name: 'a forged x-jwt-payload alone on /api/books authenticates nobody',
      request: { path: '/api/books', headers: { 'x-jwt-payload': forged } },
      expect: { status: 403, body: 'RBAC: access denied' },
    },
  ],
  explain: `The backend trusts x-jwt-payload because only the gateway should be able to set it. Envoy's
jwt_authn removes any incoming copy of the configured payload header (and of outputClaimToHeaders
names) from every request it sees, public paths included, before it adds its own for a verified
token. The first request proves the replacement on the wire: the backend, which echoes what it
received, reports the realm's tenant and sub, not "evil-corp"/"attacker" (if the gateway had
appended instead of replaced, the backend could not decode the header at all). The public
request needs no token and is served as usual, yet the backend's report (/static/echo.json)
shows no x-jwt-payload arrived: the stripping happens on every path, not only where a token is required.
The last request shows the header is not an identity either: no token, no principal, 403.`,
  facts: [FACTS.payloadHeader, FACTS.noTokenRbac],
};
