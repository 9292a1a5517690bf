// Turns a lab's TokenSpec into a token string. Real tokens come from Keycloak
// once per run (shared across labs and regions); lab-made tokens start from a
// real demo token's claims and change one thing.
import type { KeyObject } from 'node:crypto';
import { PRIMARY_REALM } from '../core/config.js';
import { LabError } from '../core/errors.js';
import { signingKey, type LabSecrets } from '../core/secrets.js';
import { CLIENTS, SIGNING_KEY_PLACEHOLDER, USERS } from '../manifests/index.js';
import { decodeJwt, fetchJwks, passwordGrantResponse, TokenCache, toTokenSet, type TokenResponse, type TokenSet } from '../keycloak/tokens.js';
import { algNone, attackerPrivateKey, ATTACKER_KID, kidFor, signRs256, tamper, withLifetime } from './forge.js';
import { loadSecrets } from './keycloak-access.js';
import type { KeycloakAccess, Principal, TokenSpec } from './types.js';

/** The token every lab-made token is derived from: demo-user via admin-portal. */
export const DEMO: Principal = { realm: PRIMARY_REALM, client: CLIENTS.adminPortal, user: USERS.demo.username };

export class TokenSource {
  readonly cache = new TokenCache();
  private kid?: Promise<string>;
  private secrets?: LabSecrets;

  constructor(
    protected readonly kc: KeycloakAccess,
    secrets?: LabSecrets,
  ) {
    this.secrets = secrets;
  }

  /** The token endpoint's answer to a password grant, as it came (labs assert refusals too). */
  grantResponse(p: Principal): Promise<TokenResponse> {
    return passwordGrantResponse({
      keycloakUrl: this.kc.url,
      realm: p.realm,
      clientId: p.client,
      clientSecret: this.kc.clientSecret(p.realm, p.client),
      username: p.user,
      password: this.kc.password(p.realm, p.user),
    });
  }

  /** A real token through the password grant; cached for the run unless `fresh`. */
  async password(p: Principal, fresh = false): Promise<TokenSet> {
    const fetch = async () => {
      const started = Date.now();
      return toTokenSet(await this.grantResponse(p), started);
    };
    if (fresh) return fetch();
    return this.cache.get(`${p.realm}/${p.client}/${p.user}`, fetch);
  }

  private async demoClaims(): Promise<Record<string, unknown>> {
    return decodeJwt((await this.password(DEMO)).accessToken).payload;
  }

  /** The realm's imported signing key and the kid Keycloak publishes it under. */
  async realmKey(): Promise<{ key: KeyObject; kid: string }> {
    this.secrets ??= loadSecrets();
    const key = signingKey(this.secrets, SIGNING_KEY_PLACEHOLDER);
    this.kid ??= fetchJwks(this.kc.url, PRIMARY_REALM).then((jwks) => {
      const kid = kidFor(jwks, key);
      if (!kid) {
        throw new LabError(
          'the realm does not publish the lab signing key',
          `no key in the ${PRIMARY_REALM} JWKS has the public half of ${SIGNING_KEY_PLACEHOLDER} (was the realm imported with other secrets, or is a rotation still in place?)`,
          'npm run lab:reset',
        );
      }
      return kid;
    });
    this.kid.catch(() => (this.kid = undefined));
    return { key, kid: await this.kid };
  }

  async resolve(spec: TokenSpec): Promise<string> {
    switch (spec.kind) {
      case 'password':
        return (await this.password(spec, spec.fresh)).accessToken;
      case 'forge': {
        const { key, kid } = await this.realmKey();
        return signRs256(withLifetime(await this.demoClaims(), spec.exp), key, kid);
      }
      case 'tamper':
        return tamper((await this.password(DEMO)).accessToken, spec.set);
      case 'foreign-key': {
        const kid = spec.kid === 'realm' ? (await this.realmKey()).kid : ATTACKER_KID;
        return signRs256(withLifetime(await this.demoClaims(), 300), attackerPrivateKey(), kid);
      }
      case 'alg-none':
        return algNone(withLifetime(await this.demoClaims(), 300), spec.signature);
    }
  }
}
