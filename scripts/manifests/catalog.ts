// The catalog backend's files as Kubernetes data: the ConfigMap the kind
// target applies is built here from manifests/catalog/, so the script is
// never pasted into YAML and both targets run the same bytes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { MANIFESTS_DIR } from '../core/paths.js';
import { CATALOG } from './names.js';
import type { KubeDoc } from './types.js';

export const CATALOG_DIR = join(MANIFESTS_DIR, 'catalog');
export const CATALOG_SERVER = join(CATALOG_DIR, 'server.mjs');
export const CATALOG_STATIC_DIR = join(CATALOG_DIR, 'static');

/** One file of the backend: its ConfigMap key (no slashes allowed) and its path under /app. */
export interface CatalogFile {
  key: string;
  path: string;
  content: string;
}

export function catalogFiles(dir = CATALOG_DIR): CatalogFile[] {
  const files: CatalogFile[] = [{ key: 'server.mjs', path: 'server.mjs', content: readFileSync(join(dir, 'server.mjs'), 'utf8') }];
  const staticDir = join(dir, 'static');
  for (const name of readdirSync(staticDir).sort()) {
    if (!statSync(join(staticDir, name)).isFile()) continue;
    files.push({ key: `static.${name}`, path: `static/${name}`, content: readFileSync(join(staticDir, name), 'utf8') });
  }
  return files;
}

export function catalogConfigMap(dir = CATALOG_DIR): KubeDoc {
  const cm = new ConfigMap({
    metadata: {
      name: CATALOG.configMap,
      namespace: CATALOG.namespace,
      labels: { app: CATALOG.deployment, 'app.kubernetes.io/part-of': 'bookstore-auth-lab' },
    },
    data: Object.fromEntries(catalogFiles(dir).map((f) => [f.key, f.content])),
  });
  cm.validate();
  return cm.toJSON() as unknown as KubeDoc;
}

/** The volume items that lay the ConfigMap keys out as /app/server.mjs and /app/static/<file>. */
export function catalogVolumeItems(dir = CATALOG_DIR): Array<{ key: string; path: string }> {
  return catalogFiles(dir).map(({ key, path }) => ({ key, path }));
}
