// A self-signed certificate for the local gateway's https port, made with the
// openssl CLI through the one process runner. Per lab, never committed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { run } from '../core/proc.js';
import { LabError } from '../core/errors.js';

export interface Pem {
  cert: string;
  key: string;
}

/** `hosts` become subjectAltNames (DNS or IP). Accepts a list or { hosts, days }. */
export async function makeSelfSignedCert(opts: string[] | { hosts?: string[]; days?: number } = {}): Promise<Pem> {
  const hosts = Array.isArray(opts) ? opts : opts.hosts ?? ['localhost', '127.0.0.1'];
  const days = Array.isArray(opts) ? 30 : opts.days ?? 30;
  if (!hosts.length) throw new Error('makeSelfSignedCert: no hosts');
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const cn = hosts.find((h) => !isIP(h)) ?? hosts[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'lab-gw-tls-'));
  try {
    const r = await run(
      [
        'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', String(days),
        '-subj', `/CN=${cn}/O=bookstore-auth-lab`, '-addext', `subjectAltName=${san}`,
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ],
      { reject: false, timeoutMs: 30_000 },
    );
    if (r.exitCode !== 0) {
      throw new LabError('could not make the gateway TLS certificate', (r.stderr || r.stdout).trim() || `openssl exited ${r.exitCode}`, 'install openssl (apt-get install openssl), then: npm run lab:up -- --target local');
    }
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
