// Download one file over HTTP(S) to disk, hashing while streaming, and keep it
// only if its SHA-1 matches both the published `.sha1` and the pinned value.
// Nothing half-written survives a failure: bytes go to a temp file renamed last.
import { createHash } from 'node:crypto';
import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createReadStream } from 'node:fs';
import { request, EnvHttpProxyAgent, interceptors, type Dispatcher } from 'undici';
import { LabError } from '../../../core/errors.js';

export type ProgressFn = (received: number, total: number | undefined) => void;

export interface VerifiedDownload {
  url: string;
  sha1Url: string;
  pinnedSha1: string;
  dest: string;
  onProgress?: ProgressFn;
}

// Honour HTTPS_PROXY/NO_PROXY like curl and mvn do; follow a mirror's redirects.
let dispatcher: Dispatcher | undefined;
function agent(): Dispatcher {
  dispatcher ??= new EnvHttpProxyAgent().compose(interceptors.redirect({ maxRedirections: 5 }));
  return dispatcher;
}

export async function getText(url: string): Promise<string> {
  const res = await request(url, { dispatcher: agent() });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
  return body;
}

/** A `.sha1` file holds the hex digest, sometimes followed by the file name. */
export function parseSha1File(text: string): string {
  const hex = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{40}$/.test(hex)) throw new Error(`not a SHA-1 file: "${text.slice(0, 60)}"`);
  return hex;
}

export async function sha1OfFile(path: string): Promise<string> {
  const hash = createHash('sha1');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Compare a digest with the published and the pinned one. Both must agree:
 * the published one catches a corrupted transfer, the pinned one a swapped artifact.
 */
export function checkSha1(actual: string, published: string, pinned: string, what: string): void {
  if (actual !== published || actual !== pinned) {
    throw new LabError(
      `checksum mismatch for ${what}`,
      `SHA-1 is ${actual}; Maven Central publishes ${published}; the lab pins ${pinned}`,
      'delete the file and fetch again: npx tsx scripts/targets/local/keycloak/fetch-cli.ts --force ' +
        '(if it keeps failing, a proxy or mirror is altering the download)',
    );
  }
}

export async function downloadVerified(d: VerifiedDownload): Promise<void> {
  let published: string;
  try {
    published = parseSha1File(await getText(d.sha1Url));
  } catch (e) {
    throw new LabError(
      `could not read the published checksum ${d.sha1Url}`,
      (e as Error).message,
      'check the network or proxy (HTTPS_PROXY), then run the command again',
    );
  }
  const tmp = `${d.dest}.part-${process.pid}`;
  const hash = createHash('sha1');
  try {
    const res = await request(d.url, { dispatcher: agent() });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`GET ${d.url} answered ${res.statusCode}`);
    }
    const lengthHeader = res.headers['content-length'];
    const total = typeof lengthHeader === 'string' ? Number(lengthHeader) : undefined;
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        hash.update(chunk);
        d.onProgress?.(received, total);
        cb(null, chunk);
      },
    });
    await pipeline(res.body, meter, createWriteStream(tmp, { mode: 0o644 }));
    if (total !== undefined && statSync(tmp).size !== total) {
      throw new Error(`download ended after ${statSync(tmp).size} of ${total} bytes`);
    }
    checkSha1(hash.digest('hex'), published, d.pinnedSha1, d.url);
    renameSync(tmp, d.dest);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof LabError) throw e;
    throw new LabError(
      `download of ${d.url} failed`,
      (e as Error).message,
      'check the network or proxy (HTTPS_PROXY), then run the command again; or install Maven so `mvn dependency:copy` is used',
    );
  }
}
