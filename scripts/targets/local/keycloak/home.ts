// A Keycloak home per lab. kc.sh derives its home from its own path, and
// `--import-realm` only reads <home>/data/import, so each lab gets a small home
// of its own: copies of bin/kc.sh, conf/ and lib/quarkus (the part Quarkus may
// rewrite), symlinks to the cache for the 170 MB of jars, themes and providers.
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RealmDoc } from '../../../manifests/index.js';

export function createKeycloakHome(dist: string, home: string): void {
  rmSync(home, { recursive: true, force: true });
  mkdirSync(join(home, 'bin'), { recursive: true });
  mkdirSync(join(home, 'lib'), { recursive: true });
  mkdirSync(join(home, 'data', 'import'), { recursive: true });
  cpSync(join(dist, 'bin', 'kc.sh'), join(home, 'bin', 'kc.sh'));
  cpSync(join(dist, 'conf'), join(home, 'conf'), { recursive: true });
  cpSync(join(dist, 'lib', 'quarkus-run.jar'), join(home, 'lib', 'quarkus-run.jar'));
  cpSync(join(dist, 'lib', 'quarkus'), join(home, 'lib', 'quarkus'), { recursive: true });
  symlinkSync(join(dist, 'lib', 'lib'), join(home, 'lib', 'lib'));
  symlinkSync(join(dist, 'lib', 'app'), join(home, 'lib', 'app'));
  symlinkSync(join(dist, 'themes'), join(home, 'themes'));
  symlinkSync(join(dist, 'providers'), join(home, 'providers'));
}

/** Realm files as Keycloak imports them; ${LAB_*} placeholders stay for Keycloak to resolve from env. */
export function writeRealmImports(importDir: string, realms: Record<string, RealmDoc>): string[] {
  mkdirSync(importDir, { recursive: true });
  const names: string[] = [];
  for (const [name, doc] of Object.entries(realms)) {
    writeFileSync(join(importDir, `${name}.json`), JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
    names.push(name);
  }
  return names;
}
