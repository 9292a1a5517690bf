import { PRIMARY_REALM, TOKEN_PATH } from '../scripts/core/config.js';
import { exchangeCode, pkceAuthorize, pkceLogin, type CookieJar } from '../scripts/keycloak/tokens.js';
import type { LabContext, LabDefinition, StepOutcome } from '../scripts/labs/types.js';
import { FACTS } from './facts.js';

const CLIENT = 'storefront-web';
const USER = 'demo-user';

async function run(ctx: LabContext): Promise<StepOutcome[]> {
  const kc = ctx.keycloak;
  const redirectUri = kc.redirectUri(ctx.region);
  const login = { keycloakUrl: kc.url, realm: PRIMARY_REALM, clientId: CLIENT, redirectUri, username: USER, password: kc.password(PRIMARY_REALM, USER) };

  // One browser login per run; every region sends the same token.
  const session = await ctx.shared('pkce-login', () => pkceLogin(login));
  const pass = await ctx.gateway(
    {
      kind: 'gateway',
      name: 'token from the browser flow (login form, 302 with code, exchange with the S256 verifier)',
      request: { path: '/api/books' },
      expect: {
        status: 200,
        body: null,
        checks: [
          { what: 'the token was issued to storefront-web', at: 'receivedJwtPayload.azp', equals: CLIENT },
          { what: 'it carries the tenant claim', at: 'receivedJwtPayload.tenant', equals: 'acme-books' },
        ],
      },
    },
    session.accessToken,
  );
  pass.notes = [
    `GET ${kc.url}/realms/${PRIMARY_REALM}/protocol/openid-connect/auth?…&code_challenge_method=S256 showed Keycloak's login form`,
    `POST of ${USER}'s credentials to the form's action answered 302 to ${redirectUri}?…&code=…`,
    'the code and the code_verifier were exchanged at the token endpoint for the token above',
    ...(pass.notes ?? []),
  ];

  // A fresh code from the same browser session (no form this time), exchanged without the verifier.
  const again = await pkceAuthorize({ ...login, jar: session.jar as CookieJar });
  const refused = await exchangeCode({ keycloakUrl: kc.url, realm: PRIMARY_REALM, clientId: CLIENT, redirectUri, code: again.code });
  const command = [
    'curl -s -X POST',
    '-d grant_type=authorization_code',
    `-d client_id=${CLIENT}`,
    `-d code=<the code from the redirect: single use>`,
    `-d redirect_uri=${redirectUri}`,
    `${kc.url}${TOKEN_PATH(PRIMARY_REALM)}`,
  ].join(' ');
  const withoutVerifier = ctx.keycloakOutcome('the same exchange WITHOUT code_verifier', { status: 400, error: 'invalid_grant' }, refused, command);
  withoutVerifier.notes = [
    `Keycloak said: ${String(refused.json.error_description ?? refused.json.error ?? '')}`,
    again.formShown ? 'the second authorization showed the login form again' : 'the second authorization was answered from the SSO session (no form)',
  ];
  return [pass, withoutVerifier];
}

export const pkceLoginLab: LabDefinition = {
  id: 'pkce-login',
  title: 'Authorization code + PKCE S256, scripted like a browser',
  targets: { kind: true, local: true },
  regions: 'each',
  headline: { status: 200, body: null },
  run,
  explain: `This is how the storefront (a public browser client with no secret) should log users in.
The lab plays the browser: it makes a random code_verifier, sends only its SHA-256 (the
code_challenge, S256) to the authorization endpoint, fills in Keycloak's login form with the
session cookies, and reads the one-time code from the 302 Location header. It then trades
code + verifier for tokens. The token passes the gateway like any other: it is the realm's
issuer, aud includes storefront-web (audience mapper), and it carries the tenant.
The second half is why PKCE exists: someone who steals the code from the redirect does not have
the verifier. Keycloak refuses the exchange without it (400 invalid_grant, "PKCE code verifier not
specified"), and the code is burnt.`,
  facts: [FACTS.kcPkce, FACTS.kcIssuer],
};
