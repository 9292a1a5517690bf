// Which Keycloak the local target runs and where it is cached. The version is
// the Bitnami chart's appVersion (config.ts), so both targets run the same server.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { KEYCLOAK_VERSION } from '../../../core/config.js';
import { cacheDir } from '../../../core/paths.js';

export const DIST_GROUP = 'org.keycloak';
export const DIST_ARTIFACT = 'keycloak-quarkus-dist';
export const DIST_FILE = `${DIST_ARTIFACT}-${KEYCLOAK_VERSION}.tar.gz`;
export const MAVEN_COORDS = `${DIST_GROUP}:${DIST_ARTIFACT}:${KEYCLOAK_VERSION}:tar.gz`;
export const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';
export const DIST_URL = `${MAVEN_CENTRAL}/${DIST_GROUP.replace(/\./g, '/')}/${DIST_ARTIFACT}/${KEYCLOAK_VERSION}/${DIST_FILE}`;
/** Maven Central publishes `<file>.sha1` next to every artifact. */
export const DIST_SHA1_URL = `${DIST_URL}.sha1`;
/**
 * SHA-1 of keycloak-quarkus-dist-24.0.5.tar.gz as served by Maven Central
 * (observed by mvn and by a direct download on 2026-12-03). Pinned so a
 * tampered mirror AND its matching .sha1 still fail.
 */
export const PINNED_SHA1 = 'b41e7c61ae7f238ad56ee627fb080147f447b1ac';
/** Top folder inside the tarball. */
export const DIST_ROOT = `keycloak-${KEYCLOAK_VERSION}`;

/**
 * Build-time options, identical for the cache's one-off Quarkus augmentation
 * and every `start-dev`. If they differ, kc.sh re-augments on each start (≈8 s
 * more), so they live here and nowhere else.
 */
export const BUILD_ARGS = ['--db=dev-mem', '--health-enabled=true'] as const;

const buildTag = createHash('sha256').update(BUILD_ARGS.join(' ')).digest('hex').slice(0, 8);

export function keycloakCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'keycloak');
}
export function tarballPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(keycloakCacheDir(env), DIST_FILE);
}
/** The extracted and pre-augmented distribution; its name changes with BUILD_ARGS. */
export function distHome(env: NodeJS.ProcessEnv = process.env): string {
  return join(keycloakCacheDir(env), `${DIST_ROOT}-${buildTag}`);
}
export function fetchLockDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(keycloakCacheDir(env), '.fetch.lock');
}
/** Written last into a finished distHome: its presence means "complete". */
export const READY_MARKER = '.lab-ready.json';
