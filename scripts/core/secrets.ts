// Per-lab secrets: generated on first use, kept in .lab/secrets (0700/0600),
// never written into the repo or a ConfigMap. Realm files carry ${LAB_*}
// placeholders; Keycloak resolves them from the environment at import time.
import { existsSync, readFileSync, readdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync, randomBytes, createPrivateKey, KeyObject } from 'node:crypto';
import { privateDir, stateDir, REALMS_DIR } from './paths.js';

/** A placeholder ending in _SIGNING_KEY is an RSA private key; any other is a random secret. */
const PLACEHOLDER = /\$\{(LAB_[A-Z0-9_]+)\}/g;
export const isSigningKeyName = (name: string) => name.endsWith('_SIGNING_KEY');

export interface LabSecrets {
  keycloakAdmin: { username: string; password: string };
  /** Values for every ${LAB_*} placeholder in the realm files. */
  env: Record<string, string>;
}

export function secretsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'secrets');
}

export function placeholdersIn(realmsDir = REALMS_DIR): string[] {
  const names = new Set<string>();
  if (!existsSync(realmsDir)) return [];
  for (const f of readdirSync(realmsDir).filter((n) => n.endsWith('.json')).sort()) {
    for (const m of readFileSync(join(realmsDir, f), 'utf8').matchAll(PLACEHOLDER)) names.add(m[1]!);
  }
  return [...names].sort();
}

function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** PKCS#8 DER as one base64 line: Keycloak's rsa key provider accepts it, and it fits in a JSON string. */
function newSigningKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
}

function writePrivate(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Load the lab's secrets, creating any that are missing. Idempotent. */
export function ensureSecrets(opts: { env?: NodeJS.ProcessEnv; realmsDir?: string } = {}): LabSecrets {
  const dir = privateDir(secretsDir(opts.env));
  const file = join(dir, 'secrets.json');
  const existing: LabSecrets = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as LabSecrets)
    : { keycloakAdmin: { username: 'lab-admin', password: newSecret() }, env: {} };
  let changed = !existsSync(file);
  for (const name of placeholdersIn(opts.realmsDir)) {
    if (existing.env[name]) continue;
    existing.env[name] = isSigningKeyName(name) ? newSigningKey() : newSecret();
    changed = true;
  }
  if (changed) writePrivate(file, JSON.stringify(existing, null, 2) + '\n');
  return existing;
}

export function readSecrets(env: NodeJS.ProcessEnv = process.env): LabSecrets | undefined {
  const file = join(secretsDir(env), 'secrets.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LabSecrets) : undefined;
}

/** The realm's imported signing key, for labs that forge tokens with it. */
export function signingKey(secrets: LabSecrets, placeholder: string): KeyObject {
  const der = secrets.env[placeholder];
  if (!der) throw new Error(`no secret ${placeholder}; run \`npm run lab:up\` first`);
  return createPrivateKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'pkcs8' });
}
