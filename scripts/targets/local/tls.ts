// The per-lab self-signed certificate the local gateways serve on https.
// Made once per lab (key 0600) and reused, so a browser exception survives `up` twice.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../core/paths.js';
import { run } from '../../core/proc.js';
import type { LocalLayout } from './layout.js';

export interface TlsFiles {
  cert: string;
  key: string;
}

export function tlsFiles(layout: LocalLayout): TlsFiles {
  return { cert: join(layout.tls, 'cert.pem'), key: join(layout.tls, 'key.pem') };
}

type MakeCert = (opts?: Record<string, unknown>) => Promise<{ cert: string; key: string }> | { cert: string; key: string };

async function generate(): Promise<{ cert: string; key: string }> {
  const mod = join(REPO_ROOT, 'scripts', 'gateway', 'tls.ts');
  if (existsSync(mod)) {
    const { makeSelfSignedCert } = (await import(pathToFileURL(mod).href)) as { makeSelfSignedCert: MakeCert };
    return makeSelfSignedCert({ hosts: ['localhost', '127.0.0.1'] });
  }
  // TEMPORARY until the gateway's tls.ts lands.
  const dir = mkdtempSync(join(tmpdir(), 'lab-tls-'));
  try {
    await run([
      'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'),
    ]);
    return { cert: readFileSync(join(dir, 'c'), 'utf8'), key: readFileSync(join(dir, 'k'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function ensureTls(layout: LocalLayout): Promise<{ files: TlsFiles; created: boolean }> {
  const files = tlsFiles(layout);
  if (existsSync(files.cert) && existsSync(files.key)) return { files, created: false };
  mkdirSync(layout.tls, { recursive: true, mode: 0o700 });
  const pem = await generate();
  writeFileSync(files.key, pem.key, { mode: 0o600 });
  writeFileSync(files.cert, pem.cert, { mode: 0o644 });
  return { files, created: true };
}
