// Getting Keycloak 24.0.5 into the shared cache, once: the tarball (through
// `mvn dependency:copy` when Maven exists, else a direct download), checked
// against the published and the pinned SHA-1, extracted and pre-augmented in a
// temp folder, then renamed into place. A lock makes concurrent labs and test
// runs wait for one fetch instead of corrupting each other's files.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KEYCLOAK_VERSION } from '../../../core/config.js';
import { LabError } from '../../../core/errors.js';
import { run } from '../../../core/proc.js';
import { dependencyCopy, mvnAvailable } from '../../../tools/mvn.js';
import { requireJava } from '../../../tools/java.js';
import { withLock } from '../lock.js';
import {
  BUILD_ARGS,
  DIST_FILE,
  DIST_ROOT,
  DIST_SHA1_URL,
  DIST_URL,
  MAVEN_COORDS,
  PINNED_SHA1,
  READY_MARKER,
  distHome,
  fetchLockDir,
  keycloakCacheDir,
  tarballPath,
} from './dist.js';
import { checkSha1, downloadVerified, getText, parseSha1File, sha1OfFile, type ProgressFn } from './download.js';

export interface FetchOptions {
  env?: NodeJS.ProcessEnv;
  /** Fetch and extract again even if the cache looks complete. */
  force?: boolean;
  /** false: never use mvn (tests, or a broken Maven setup). Default: use it when present. */
  useMaven?: boolean;
  onProgress?: ProgressFn;
  log?: (msg: string) => void;
  /** false: skip the Java check (unit tests whose fake kc.sh needs no Java). */
  checkJava?: boolean;
  /** Where to download from and what SHA-1 to demand (tests serve a small fake tarball). */
  source?: { url: string; sha1Url: string; pinnedSha1: string };
}

export interface KeycloakDist {
  home: string;
  version: string;
  /** How this call got it: already cached, or fetched now by mvn / download. */
  source: 'cache' | 'maven' | 'download' | 'tarball';
}

interface ReadyMarker {
  version: string;
  sha1: string;
  buildArgs: string[];
  preparedAt: string;
}

/** The prepared distribution, if the cache has a complete one. */
export function cachedKeycloak(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const home = distHome(env);
  return existsSync(join(home, READY_MARKER)) ? home : undefined;
}

/** Maven keeps the `.sha1` it downloaded next to the artifact in the local repository. */
function m2Sha1(): string | undefined {
  const file = join(homedir(), '.m2', 'repository', 'org', 'keycloak', 'keycloak-quarkus-dist', KEYCLOAK_VERSION, `${DIST_FILE}.sha1`);
  try {
    return parseSha1File(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function publishedSha1(log: (m: string) => void): Promise<string> {
  try {
    return parseSha1File(await getText(DIST_SHA1_URL));
  } catch {
    // offline with a warm ~/.m2: fall through
  }
  const local = m2Sha1();
  if (local) {
    log('Maven Central unreachable: using the .sha1 Maven stored in ~/.m2');
    return local;
  }
  throw new LabError(
    'could not read the published checksum of the Keycloak distribution',
    `neither ${DIST_SHA1_URL} nor ~/.m2 had it`,
    'check the network or proxy, then run the command again',
  );
}

async function viaMaven(dir: string, dest: string, log: (m: string) => void): Promise<string> {
  const tmp = join(dir, `.mvn-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    log(`mvn dependency:copy ${MAVEN_COORDS}`);
    await dependencyCopy(MAVEN_COORDS, tmp);
    const file = join(tmp, DIST_FILE);
    if (!existsSync(file)) throw new Error(`mvn did not produce ${DIST_FILE}`);
    checkSha1(await sha1OfFile(file), await publishedSha1(log), PINNED_SHA1, `${DIST_FILE} (from mvn)`);
    renameSync(file, dest);
    return dest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Leftovers of a fetch that was killed midway; only called while holding the lock. */
function sweep(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.extract-') || name.startsWith('.mvn-') || name.includes('.part-')) {
      rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

async function ensureTarball(opts: FetchOptions, log: (m: string) => void): Promise<{ path: string; source: KeycloakDist['source'] }> {
  const env = opts.env ?? process.env;
  const dest = tarballPath(env);
  const src = opts.source ?? { url: DIST_URL, sha1Url: DIST_SHA1_URL, pinnedSha1: PINNED_SHA1 };
  if (existsSync(dest) && !opts.force) {
    if ((await sha1OfFile(dest)) === src.pinnedSha1) return { path: dest, source: 'tarball' };
    log(`${dest} does not match the pinned SHA-1; fetching it again`);
    rmSync(dest, { force: true });
  }
  const useMaven = (opts.useMaven ?? true) && !opts.source;
  if (useMaven && (await mvnAvailable())) {
    try {
      return { path: await viaMaven(keycloakCacheDir(env), dest, log), source: 'maven' };
    } catch (e) {
      if (e instanceof LabError) throw e;
      log(`mvn could not fetch it (${(e as Error).message.split('\n')[0]}); downloading directly`);
    }
  }
  log(`downloading ${src.url}`);
  await downloadVerified({ ...src, dest, onProgress: opts.onProgress });
  return { path: dest, source: 'download' };
}

/**
 * Quarkus "augmentation" rewrites lib/quarkus for the build options. Doing it
 * here, once, means a lab's start-dev finds them unchanged and skips it; every
 * lab copies lib/quarkus so a stray re-augmentation never touches the cache.
 */
async function preAugment(home: string): Promise<void> {
  await run([join(home, 'bin', 'kc.sh'), 'start-dev', '-Dkc.config.build-and-exit=true', ...BUILD_ARGS], {
    cwd: home,
    timeoutMs: 5 * 60_000,
  });
}

export async function ensureKeycloak(opts: FetchOptions = {}): Promise<KeycloakDist> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const ready = cachedKeycloak(env);
  if (ready && !opts.force) return { home: ready, version: KEYCLOAK_VERSION, source: 'cache' };
  if (opts.checkJava !== false) await requireJava(env);
  const dir = keycloakCacheDir(env);
  mkdirSync(dir, { recursive: true });
  return withLock(
    fetchLockDir(env),
    async () => {
      // Someone else may have finished while we waited.
      const done = cachedKeycloak(env);
      if (done && !opts.force) return { home: done, version: KEYCLOAK_VERSION, source: 'cache' as const };
      sweep(dir);
      const tarball = await ensureTarball(opts, log);
      const tmp = join(dir, `.extract-${process.pid}`);
      mkdirSync(tmp, { recursive: true });
      try {
        log(`extracting ${DIST_FILE}`);
        await run(['tar', '-xzf', tarball.path, '-C', tmp], { timeoutMs: 5 * 60_000 });
        const staged = join(tmp, DIST_ROOT);
        if (!existsSync(join(staged, 'bin', 'kc.sh'))) {
          throw new LabError('the Keycloak tarball has an unexpected layout', `no ${DIST_ROOT}/bin/kc.sh inside`, 'run the fetch again with --force');
        }
        log('pre-building Keycloak for the lab (Quarkus augmentation, once)');
        await preAugment(staged);
        const marker: ReadyMarker = {
          version: KEYCLOAK_VERSION,
          sha1: opts.source?.pinnedSha1 ?? PINNED_SHA1,
          buildArgs: [...BUILD_ARGS],
          preparedAt: new Date().toISOString(),
        };
        writeFileSync(join(staged, READY_MARKER), JSON.stringify(marker, null, 2) + '\n');
        const home = distHome(env);
        if (existsSync(home)) renameSync(home, join(tmp, 'previous'));
        renameSync(staged, home);
        return { home, version: KEYCLOAK_VERSION, source: tarball.source };
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    { onWait: (pid) => log(`another process (${pid ?? '?'}) is fetching Keycloak; waiting for it`) },
  );
}
