// No literal secret or private key in any file: realm files carry ${LAB_*}
// placeholders that Keycloak resolves from the environment at import, and
// the targets generate the values per lab.
import { fieldPath } from './paths.js';
import { clientsOf, keyProvidersOf } from './realm-rules.js';
import { objectName, type Finding, type LintInput } from './types.js';

const PLACEHOLDER = /^\$\{LAB_[A-Z0-9_]+\}$/;
const PEM_PRIVATE = /-----BEGIN ((?:RSA |EC |ENCRYPTED |OPENSSH |DSA )?PRIVATE KEY)-----/;
/**
 * base64 DER of a private key as one string: SEQUENCE (30 82 len len), then
 * version INTEGER 0 (02 01 00) = "MII???IBA". PKCS#8 continues with a SEQUENCE
 * ("D"), PKCS#1 with an INTEGER ("A"). Certificates (30 82 .. 30 82) do not match.
 */
const DER_PRIVATE = /(MII[A-Za-z0-9+/]{3}IBA[AD][A-Za-z0-9+/]{400,}={0,2})/;
const SECRET_KEYS = /secret|password|privatekey|private_key|keypassword|keystorepassword|token/i;

const placeholderFor = (what: string) => `LAB_${what.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;

export function secretFindings(input: LintInput): Finding[] {
  const out: Finding[] = [];
  for (const f of input.raw) {
    const lines = f.text.split('\n');
    lines.forEach((line, i) => {
      const pem = PEM_PRIVATE.exec(line);
      if (pem) {
        out.push({
          severity: 'error', rule: 'literal-private-key', file: f.file, object: `line ${i + 1}`, field: pem[1]!,
          message: 'a PEM private key is committed in this file',
          runtime: 'anyone with the repository can sign tokens the gateway accepts (or decrypt what the key protects)',
          fix: 'delete it and use a ${LAB_*_SIGNING_KEY} placeholder; `npm run lab:up` generates the key into .lab/secrets',
        });
      }
      const der = DER_PRIVATE.exec(line);
      if (der && !pem) {
        out.push({
          severity: 'error', rule: 'literal-private-key', file: f.file, object: `line ${i + 1}`, field: 'base64 DER',
          message: 'a base64 DER key (PKCS#8/PKCS#1) is committed in this file',
          runtime: 'if this is the realm signing key, anyone with the repository can forge tokens that pass the gateway',
          fix: 'replace it with "${LAB_BOOKSTORE_SIGNING_KEY}"; the lab generates the key per lab',
        });
      }
    });
  }
  for (const r of input.realms) {
    clientsOf(r).forEach((c, i) => {
      if (typeof c.secret === 'string' && c.secret !== '' && !PLACEHOLDER.test(c.secret)) {
        const ph = `${placeholderFor(c.clientId ?? 'client')}_SECRET`;
        out.push({
          severity: 'error', rule: 'literal-client-secret', file: r.file, object: `realm ${r.doc.realm}, client ${c.clientId}`,
          field: fieldPath(['clients', i, 'secret']),
          message: 'the client secret is a literal value',
          runtime: `Keycloak imports it as is: anyone who can read the repository can obtain tokens as ${c.clientId}`,
          fix: `use "\${${ph}}"; lab:up generates it into .lab/secrets and passes it to Keycloak as an environment variable`,
        });
      }
    });
    keyProvidersOf(r).forEach((k, i) => {
      for (const [key, values] of Object.entries(k.config ?? {})) {
        if (!SECRET_KEYS.test(key)) continue;
        (values ?? []).forEach((v, j) => {
          if (typeof v === 'string' && v !== '' && !PLACEHOLDER.test(v)) {
            out.push({
              severity: 'error', rule: 'literal-key-material', file: r.file, object: `realm ${r.doc.realm}, key provider ${k.name ?? i}`,
              field: fieldPath(['components', 'org.keycloak.keys.KeyProvider', i, 'config', key, j]),
              message: `${key} is a literal value`,
              runtime: 'Keycloak signs with a key everybody with the repository holds: they can forge any token',
              fix: 'use "${LAB_BOOKSTORE_SIGNING_KEY}" (a placeholder ending in _SIGNING_KEY becomes a fresh RSA key per lab)',
            });
          }
        });
      }
    });
    const smtp = (r.doc.smtpServer as Record<string, string> | undefined)?.password;
    if (smtp && !PLACEHOLDER.test(smtp)) {
      out.push({
        severity: 'error', rule: 'literal-secret', file: r.file, object: `realm ${r.doc.realm}`, field: 'smtpServer.password',
        message: 'SMTP password is a literal value', runtime: 'Keycloak imports it as is; the password is public',
        fix: 'use a ${LAB_SMTP_PASSWORD} placeholder',
      });
    }
    ((r.doc.identityProviders as Array<{ alias?: string; config?: Record<string, string> }> | undefined) ?? []).forEach((idp, i) => {
      const s = idp.config?.clientSecret;
      if (s && !PLACEHOLDER.test(s)) {
        out.push({
          severity: 'error', rule: 'literal-secret', file: r.file, object: `realm ${r.doc.realm}, identity provider ${idp.alias}`,
          field: fieldPath(['identityProviders', i, 'config', 'clientSecret']), message: 'identity provider client secret is a literal value',
          runtime: 'Keycloak imports it as is; the upstream client is compromised', fix: `use "\${${placeholderFor(idp.alias ?? 'idp')}_SECRET}"`,
        });
      }
    });
  }
  for (const s of input.docs) {
    const d = s.doc;
    if (d?.kind === 'Secret' && (d.data || d.stringData)) {
      out.push({
        severity: 'error', rule: 'literal-secret', file: s.file, object: objectName(d), field: d.data ? 'data' : 'stringData',
        message: 'a Secret with its values is committed in the manifests',
        runtime: 'kubectl applies it as is: every lab shares the same, public secret',
        fix: 'remove it; the kind target creates per-lab Secrets from .lab/secrets',
      });
    }
    if (d?.kind === 'ConfigMap') {
      for (const k of Object.keys((d.data as Record<string, string> | undefined) ?? {})) {
        if (/secret|password|private/i.test(k)) {
          out.push({
            severity: 'error', rule: 'literal-secret', file: s.file, object: objectName(d), field: fieldPath(['data', k]),
            message: `ConfigMap key "${k}" looks like a secret`, runtime: 'ConfigMaps are readable by anyone who can read the namespace, and never encrypted at rest',
            fix: 'move it to a Secret created per lab',
          });
        }
      }
    }
  }
  return out;
}
