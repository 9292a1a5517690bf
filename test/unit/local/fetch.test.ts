import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedKeycloak, ensureKeycloak } from '../../../scripts/targets/local/keycloak/fetch.js';
import { BUILD_ARGS, READY_MARKER, keycloakCacheDir } from '../../../scripts/targets/local/keycloak/dist.js';
import { LabError } from '../../../scripts/core/errors.js';
import { fakeTarball, serveFake, sha1, type FakeRepo } from './fake-dist.js';

const body = fakeTarball();
let cache: string;
let env: NodeJS.ProcessEnv;
let repo: FakeRepo;

beforeEach(async () => {
  cache = mkdtempSync(join(tmpdir(), 'kc-cache-'));
  env = { ...process.env, LAB_CACHE_DIR: cache };
  repo = await serveFake(body, sha1(body));
});
afterEach(async () => {
  await repo.close();
  rmSync(cache, { recursive: true, force: true });
});

describe('ensureKeycloak (fake distribution over loopback)', () => {
  it('downloads, extracts, pre-builds with the lab build options, and marks the cache complete', async () => {
    const source = { url: repo.url, sha1Url: repo.sha1Url, pinnedSha1: sha1(body) };
    const dist = await ensureKeycloak({ env, source, checkJava: false });
    expect(dist.source).toBe('download');
    expect(cachedKeycloak(env)).toBe(dist.home);
    expect(existsSync(join(dist.home, READY_MARKER))).toBe(true);
    // kc.sh ran once, as start-dev with build-and-exit and exactly the build options.
    const args = readFileSync(join(dist.home, 'lib', 'quarkus', 'built-with'), 'utf8').trim();
    expect(args).toBe(['start-dev', '-Dkc.config.build-and-exit=true', ...BUILD_ARGS].join(' '));
    // No temp folders or partial files left.
    expect(readdirSync(keycloakCacheDir(env)).filter((n) => n.startsWith('.'))).toEqual([]);

    const again = await ensureKeycloak({ env, source, checkJava: false });
    expect(again).toMatchObject({ home: dist.home, source: 'cache' });
    expect(repo.hits.tarball).toBe(1);
  });

  it('lets concurrent callers share one fetch', async () => {
    const source = { url: repo.url, sha1Url: repo.sha1Url, pinnedSha1: sha1(body) };
    const [a, b] = await Promise.all([ensureKeycloak({ env, source, checkJava: false }), ensureKeycloak({ env, source, checkJava: false })]);
    expect(a.home).toBe(b.home);
    expect(repo.hits.tarball).toBe(1);
    expect([a.source, b.source].sort()).toEqual(['cache', 'download']);
  });

  it('leaves no cache entry when the checksum is wrong', async () => {
    const source = { url: repo.url, sha1Url: repo.sha1Url, pinnedSha1: 'a'.repeat(40) };
    await expect(ensureKeycloak({ env, source, checkJava: false })).rejects.toBeInstanceOf(LabError);
    expect(cachedKeycloak(env)).toBeUndefined();
    expect(readdirSync(keycloakCacheDir(env))).toEqual([]);
  });
});
