// Keycloak-side rules: the storefront client is a browser app (code + PKCE
// S256, no password grant), users can actually log in, the lab-only key is
// labelled as such.
import { CLIENTS } from '../manifests/index.js';
import { fieldPath } from './paths.js';
import type { Finding, SourcedRealm } from './types.js';

export interface ClientRep {
  clientId?: string;
  publicClient?: boolean;
  secret?: string;
  standardFlowEnabled?: boolean;
  implicitFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean;
  redirectUris?: string[];
  description?: string;
  attributes?: Record<string, string>;
  protocolMappers?: MapperRep[];
  defaultClientScopes?: string[];
}
export interface MapperRep {
  name?: string;
  protocolMapper?: string;
  config?: Record<string, string>;
}
interface UserRep {
  username?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  emailVerified?: boolean;
  attributes?: Record<string, unknown>;
}
interface ComponentRep {
  name?: string;
  providerId?: string;
  config?: Record<string, string[]>;
}

export const clientsOf = (r: SourcedRealm) => ((r.doc.clients as ClientRep[] | undefined) ?? []);
export const usersOf = (r: SourcedRealm) => ((r.doc.users as UserRep[] | undefined) ?? []);
export const keyProvidersOf = (r: SourcedRealm) =>
  (((r.doc.components as Record<string, ComponentRep[]> | undefined) ?? {})['org.keycloak.keys.KeyProvider'] ?? []);

function storefront(r: SourcedRealm, push: (f: Omit<Finding, 'file'>) => void): void {
  const clients = clientsOf(r);
  const i = clients.findIndex((c) => c.clientId === CLIENTS.storefront);
  if (i < 0) return;
  const c = clients[i]!;
  const object = `realm ${r.doc.realm}, client ${CLIENTS.storefront}`;
  const at = (...p: Array<string | number>) => fieldPath(['clients', i, ...p]);
  if (c.directAccessGrantsEnabled === true) {
    push({
      severity: 'error', rule: 'storefront-direct-grant', object, field: at('directAccessGrantsEnabled'),
      message: 'storefront-web has direct access grants (password grant) enabled',
      runtime: 'Keycloak hands a storefront-web token to anyone who posts a username and password to the token endpoint: no login page, no PKCE, and a public client has no secret to stop it (the direct-grant-refused lab then gets 200 instead of unauthorized_client)',
      fix: 'set "directAccessGrantsEnabled": false',
    });
  }
  if (c.publicClient !== true) {
    push({
      severity: 'error', rule: 'storefront-public', object, field: at('publicClient'),
      message: 'storefront-web is not a public client',
      runtime: 'Keycloak demands a client secret at the code exchange; a browser app cannot keep one, so the PKCE login fails with unauthorized_client',
      fix: 'set "publicClient": true and remove any secret',
    });
  }
  if (c.standardFlowEnabled === false) {
    push({
      severity: 'error', rule: 'storefront-standard-flow', object, field: at('standardFlowEnabled'),
      message: 'storefront-web has the authorization-code flow disabled',
      runtime: 'Keycloak answers the login redirect with unauthorized_client: the browser cannot sign in at all',
      fix: 'set "standardFlowEnabled": true',
    });
  }
  if (c.implicitFlowEnabled === true) {
    push({
      severity: 'error', rule: 'storefront-implicit', object, field: at('implicitFlowEnabled'),
      message: 'storefront-web allows the implicit flow',
      runtime: 'Keycloak returns access tokens in the URL fragment, with no PKCE protection',
      fix: 'set "implicitFlowEnabled": false',
    });
  }
  const pkce = c.attributes?.['pkce.code.challenge.method'];
  if (pkce !== 'S256') {
    push({
      severity: 'error', rule: 'storefront-pkce', object, field: at('attributes', 'pkce.code.challenge.method'),
      message: pkce ? `PKCE method is "${pkce}", not S256` : 'PKCE is not required',
      runtime: pkce === 'plain'
        ? 'Keycloak accepts the verifier in clear (plain), which protects nothing against an intercepted code'
        : 'Keycloak issues codes without a code_challenge and exchanges them without a verifier: an intercepted code is enough to get tokens',
      fix: 'set attributes."pkce.code.challenge.method": "S256"',
    });
  }
  (c.redirectUris ?? []).forEach((u, k) => {
    if (u === '*' || u === '/*' || /^https?:\/\/\*/.test(u)) {
      push({
        severity: 'error', rule: 'storefront-redirect', object, field: at('redirectUris', k),
        message: `redirect URI "${u}" matches any site`,
        runtime: 'Keycloak sends authorization codes to whatever redirect_uri the request names (an open redirect for codes)',
        fix: 'list the lab callback URLs only (lab renders them for your ports)',
      });
    }
  });
}

function users(r: SourcedRealm, push: (f: Omit<Finding, 'file'>) => void): void {
  usersOf(r).forEach((u, i) => {
    const missing = (['firstName', 'lastName', 'email'] as const).filter((k) => !u[k]);
    if (u.emailVerified !== true) missing.push('emailVerified' as never);
    if (missing.length === 0) return;
    push({
      severity: 'error', rule: 'user-profile', object: `realm ${r.doc.realm}, user ${u.username ?? i}`, field: fieldPath(['users', i]),
      message: `user lacks ${missing.join(', ')}`,
      runtime: 'Keycloak 24 (declarative user profile) refuses the login: invalid_grant "Account is not fully set up"',
      fix: 'give the user firstName, lastName, email and "emailVerified": true',
    });
  });
}

function keys(r: SourcedRealm, push: (f: Omit<Finding, 'file'>) => void): void {
  keyProvidersOf(r).forEach((k, i) => {
    const imported = k.config?.privateKey !== undefined;
    if (imported && !/lab[- ]only/i.test(k.name ?? '')) {
      push({
        severity: 'warning', rule: 'signing-key-label', object: `realm ${r.doc.realm}, key provider ${k.name ?? i}`,
        field: fieldPath(['components', 'org.keycloak.keys.KeyProvider', i, 'name']),
        message: 'an imported private key is not labelled lab-only',
        runtime: 'Keycloak signs every token with a key whose private half sits on disk outside Keycloak; fine for forging lab tokens, never for real use',
        fix: 'name it so nobody copies it to production, e.g. "lab-only-imported-rsa"',
      });
    }
  });
}

export function realmFindings(realms: SourcedRealm[]): Finding[] {
  const out: Finding[] = [];
  for (const r of realms) {
    const push = (f: Omit<Finding, 'file'>) => out.push({ file: r.file, ...f });
    storefront(r, push);
    users(r, push);
    keys(r, push);
  }
  return out;
}
