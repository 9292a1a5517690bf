import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSha1, downloadVerified, parseSha1File } from '../../../scripts/targets/local/keycloak/download.js';
import { LabError } from '../../../scripts/core/errors.js';
import { fakeTarball, serveFake, sha1, type FakeRepo } from './fake-dist.js';

const body = fakeTarball();
const good = sha1(body);
let dir: string;
let repo: FakeRepo | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dl-test-'));
});
afterEach(async () => {
  await repo?.close();
  repo = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('downloadVerified', () => {
  it('keeps the file when the published and the pinned SHA-1 both match, reporting progress', async () => {
    repo = await serveFake(body, `${good}  dist.tar.gz\n`);
    const dest = join(dir, 'dist.tar.gz');
    const seen: number[] = [];
    await downloadVerified({ url: repo.url, sha1Url: repo.sha1Url, pinnedSha1: good, dest, onProgress: (n) => seen.push(n) });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(seen.at(-1)).toBe(body.length);
    expect(readdirSync(dir)).toEqual(['dist.tar.gz']);
  });

  it('refuses a file that does not match the pinned SHA-1 even when the published one agrees, leaving nothing behind', async () => {
    repo = await serveFake(body, good);
    const dest = join(dir, 'dist.tar.gz');
    const err = await downloadVerified({ url: repo.url, sha1Url: repo.sha1Url, pinnedSha1: 'f'.repeat(40), dest }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).what).toMatch(/checksum mismatch/);
    expect((err as LabError).why).toContain(good);
    expect((err as LabError).fix).toContain('fetch-cli.ts --force');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file whose published .sha1 disagrees (corrupted transfer or mirror)', async () => {
    repo = await serveFake(body, '0'.repeat(40));
    const err = await downloadVerified({ url: repo.url, sha1Url: repo.sha1Url, pinnedSha1: good, dest: join(dir, 'x') }).catch((e: unknown) => e);
    expect((err as LabError).what).toMatch(/checksum mismatch/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fails clearly on a connection cut short and leaves no partial file', async () => {
    repo = await serveFake(body, good, { truncateAt: 100 });
    const err = await downloadVerified({ url: repo.url, sha1Url: repo.sha1Url, pinnedSha1: good, dest: join(dir, 'x') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).what).toMatch(/download of .* failed/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fails on an HTTP error status', async () => {
    repo = await serveFake(body, good, { status: 404 });
    const err = await downloadVerified({ url: repo.url, sha1Url: repo.sha1Url, pinnedSha1: good, dest: join(dir, 'x') }).catch((e: unknown) => e);
    expect((err as LabError).why).toMatch(/404/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('checksum helpers', () => {
  it('reads a .sha1 file with or without the file name', () => {
    expect(parseSha1File(`${good}\n`)).toBe(good);
    expect(parseSha1File(`${good.toUpperCase()}  keycloak.tar.gz`)).toBe(good);
    expect(() => parseSha1File('<html>not found</html>')).toThrow(/not a SHA-1/);
  });
  it('demands both digests', () => {
    expect(() => checkSha1(good, good, good, 'x')).not.toThrow();
    expect(() => checkSha1(good, good, '1'.repeat(40), 'x')).toThrow(LabError);
    expect(() => checkSha1(good, '1'.repeat(40), good, 'x')).toThrow(LabError);
  });
});
