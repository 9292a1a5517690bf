// A tiny stand-in for the Keycloak tarball, served over loopback HTTP, so the
// fetch path (download, checksum, extract, pre-build) is tested without network.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';

export const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');

/** keycloak-24.0.5/bin/kc.sh that records its arguments and exits 0, as a .tar.gz. */
export function fakeTarball(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kc-'));
  try {
    const bin = join(dir, 'keycloak-24.0.5', 'bin');
    mkdirSync(bin, { recursive: true });
    mkdirSync(join(dir, 'keycloak-24.0.5', 'lib', 'quarkus'), { recursive: true });
    writeFileSync(join(bin, 'kc.sh'), '#!/bin/sh\necho "$@" > "$(dirname "$0")/../lib/quarkus/built-with"\n');
    chmodSync(join(bin, 'kc.sh'), 0o755);
    execFileSync('tar', ['-czf', join(dir, 'dist.tar.gz'), '-C', dir, 'keycloak-24.0.5']);
    return readFileSync(join(dir, 'dist.tar.gz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FakeRepo {
  url: string;
  sha1Url: string;
  hits: { tarball: number; sha1: number };
  close(): Promise<void>;
}

/**
 * Serves `body` at /dist.tar.gz and `published` at /dist.tar.gz.sha1.
 * `truncateAt` cuts the body short while announcing the full length.
 */
export async function serveFake(body: Buffer, published: string, opts: { truncateAt?: number; status?: number } = {}): Promise<FakeRepo> {
  const hits = { tarball: 0, sha1: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url === '/dist.tar.gz.sha1') {
      hits.sha1++;
      res.end(published);
      return;
    }
    if (req.url === '/dist.tar.gz') {
      hits.tarball++;
      if (opts.status && opts.status !== 200) {
        res.writeHead(opts.status).end('nope');
        return;
      }
      res.writeHead(200, { 'content-length': body.length });
      if (opts.truncateAt !== undefined) {
        res.write(body.subarray(0, opts.truncateAt));
        res.socket?.destroy();
        return;
      }
      res.end(body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/dist.tar.gz`,
    sha1Url: `${base}/dist.tar.gz.sha1`,
    hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
