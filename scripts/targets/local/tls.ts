// The per-lab self-signed certificate the local gateways serve on https.
// Made once per lab (key 0600) and reused, so a browser exception survives `up` twice.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSelfSignedCert } from '../../gateway/tls.js';
import type { LocalLayout } from './layout.js';

export interface TlsFiles {
  cert: string;
  key: string;
}

export function tlsFiles(layout: LocalLayout): TlsFiles {
  return { cert: join(layout.tls, 'cert.pem'), key: join(layout.tls, 'key.pem') };
}

export async function ensureTls(layout: LocalLayout): Promise<{ files: TlsFiles; created: boolean }> {
  const files = tlsFiles(layout);
  if (existsSync(files.cert) && existsSync(files.key)) return { files, created: false };
  mkdirSync(layout.tls, { recursive: true, mode: 0o700 });
  const pem = await makeSelfSignedCert({ hosts: ['localhost', '127.0.0.1'] });
  writeFileSync(files.key, pem.key, { mode: 0o600 });
  writeFileSync(files.cert, pem.cert, { mode: 0o644 });
  return { files, created: true };
}
