// What the labs need to know about the lab's Keycloak: its URL, the issuer of
// each realm, and the credentials the realm files define (secrets resolved
// from $LAB_STATE_DIR/secrets, never from the repo).
import { issuerFor, keycloakPublicUrl, type LabConfig, type RealmName, type Region } from '../core/config.js';
import { LabError } from '../core/errors.js';
import { readSecrets, secretsDir, type LabSecrets } from '../core/secrets.js';
import { renderRealms, storefrontRedirectUris, type RealmDoc } from '../manifests/index.js';
import type { KeycloakAccess } from './types.js';

interface ClientRep {
  clientId?: string;
  publicClient?: boolean;
  secret?: string;
}
interface UserRep {
  username?: string;
  credentials?: Array<{ type?: string; value?: string }>;
}

const PLACEHOLDER = /^\$\{(LAB_[A-Z0-9_]+)\}$/;

export function loadSecrets(env: NodeJS.ProcessEnv = process.env): LabSecrets {
  const s = readSecrets(env);
  if (!s) {
    throw new LabError(
      'the lab has no secrets yet',
      `${secretsDir(env)}/secrets.json does not exist, so the lab was never brought up with this LAB_STATE_DIR`,
      'npm run lab:up',
    );
  }
  return s;
}

export function keycloakAccess(cfg: LabConfig, opts: { secrets?: LabSecrets; realms?: Record<RealmName, RealmDoc> } = {}): KeycloakAccess {
  const realms = opts.realms ?? renderRealms(cfg);
  let secrets = opts.secrets;
  const realmDoc = (realm: RealmName): RealmDoc => {
    const doc = realms[realm];
    if (!doc) throw new LabError(`realm ${realm} has no realm file`, 'the labs read users and clients from realms/<realm>.json', 'git checkout realms/');
    return doc;
  };
  const client = (realm: RealmName, id: string): ClientRep => {
    const c = ((realmDoc(realm).clients as ClientRep[] | undefined) ?? []).find((x) => x.clientId === id);
    if (!c) throw new LabError(`client ${id} is not in realm ${realm}`, 'a lab names a client the realm file does not define', `npm run lab -- lint`);
    return c;
  };
  return {
    url: keycloakPublicUrl(cfg),
    issuer: (realm) => issuerFor(cfg, realm),
    redirectUri(region: Region) {
      const want = `https://localhost:${cfg.ports[region].https}/`;
      const all = storefrontRedirectUris(cfg);
      return all.find((u) => u.startsWith(want)) ?? all[0]!;
    },
    clientSecret(realm, id) {
      const c = client(realm, id);
      if (c.publicClient || !c.secret) return undefined;
      const m = PLACEHOLDER.exec(c.secret);
      if (!m) return c.secret;
      secrets ??= loadSecrets();
      const v = secrets.env[m[1]!];
      if (!v) throw new LabError(`no value for ${m[1]}`, `${secretsDir()}/secrets.json lacks it`, 'npm run lab:reset');
      return v;
    },
    password(realm, username) {
      const u = ((realmDoc(realm).users as UserRep[] | undefined) ?? []).find((x) => x.username === username);
      const pw = u?.credentials?.find((c) => c.type === 'password')?.value;
      if (!pw) throw new LabError(`user ${username} has no password in realm ${realm}`, 'the labs log in with the realm file\'s demo credentials', 'git checkout realms/');
      return pw;
    },
  };
}
