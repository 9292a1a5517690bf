// The gateway's TLS pair: self-signed, made once per lab, reused by every
// region (the learner trusts one file: $LAB_STATE_DIR/kind/tls/tls.crt).
// Prefers the gateway module's generator (shared with the local target) and
// falls back to openssl.
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../core/proc.js';
import { REPO_ROOT } from '../../core/paths.js';
import { LabError } from '../../core/errors.js';
import type { KindPaths } from './paths.js';

export const TLS_HOSTS = ['localhost', '127.0.0.1'];

interface PemPair {
  cert: string;
  key: string;
}

type Maker = (opts: { hosts: string[] }) => PemPair | Promise<PemPair>;

async function sharedMaker(): Promise<Maker | undefined> {
  const file = join(REPO_ROOT, 'scripts', 'gateway', 'tls.ts');
  if (!existsSync(file)) return undefined;
  const spec = '../../gateway/tls.js';
  const mod = (await import(spec)) as { makeSelfSignedCert?: Maker };
  return mod.makeSelfSignedCert;
}

/** Make the pair if it is missing. Returns true when it made one. */
export async function ensureTlsPair(paths: KindPaths): Promise<boolean> {
  if (existsSync(paths.tlsCert) && existsSync(paths.tlsKey)) return false;
  mkdirSync(paths.tlsDir, { recursive: true, mode: 0o700 });
  const maker = await sharedMaker().catch(() => undefined);
  if (maker) {
    const { cert, key } = await maker({ hosts: TLS_HOSTS });
    writeFileSync(paths.tlsKey, key, { mode: 0o600 });
    writeFileSync(paths.tlsCert, cert);
  } else {
    const r = await run(
      [
        'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '825',
        '-subj', '/CN=localhost',
        '-addext', `subjectAltName=${TLS_HOSTS.map((h) => (/^\d/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}`,
        '-keyout', paths.tlsKey, '-out', paths.tlsCert,
      ],
      { reject: false },
    );
    if (r.exitCode !== 0) {
      throw new LabError(
        'could not make the gateway TLS certificate',
        (r.stderr || `openssl exited ${r.exitCode}`).trim().split('\n').slice(-3).join(' '),
        'install OpenSSL 1.1.1 or newer (e.g. `brew install openssl` or `sudo apt-get install openssl`), then rerun `npm run lab:up -- --target kind`',
      );
    }
  }
  chmodSync(paths.tlsKey, 0o600);
  return true;
}
