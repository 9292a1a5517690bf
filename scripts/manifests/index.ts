// Renders the shipped manifests/ and realms/ for one target and region by
// patching parsed documents with values from the typed config. Both targets,
// the engine, the lint and the labs go through here: one source of truth.
//
// SEAM: the signatures below are shared by every part of the project. Extend
// the behaviour, keep the signatures.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { LabConfig, Region } from '../core/config.js';
import { MANIFESTS_DIR } from '../core/paths.js';
import { patchManifests } from './render.js';
import type { KubeDoc, SourcedDoc } from './types.js';

export type { KubeDoc, SourcedDoc, RealmDoc } from './types.js';
export { renderRealms, renderRealm, realmImportFiles, storefrontRedirectUris, CANONICAL_CONFIG } from './realms.js';
export { catalogConfigMap, catalogFiles, CATALOG_DIR, CATALOG_SERVER, CATALOG_STATIC_DIR } from './catalog.js';
export * from './names.js';

export interface RenderOptions {
  /** kind, regions other than us-east: where istiod reaches Keycloak across the docker network. */
  keycloakNodeAddress?: string;
  /** Read from another folder (lint of a learner's copy, break scenarios). */
  manifestsDir?: string;
}

/** Parse every YAML document under a folder (or a list of files), keeping where each came from. */
export function readManifestFiles(paths: string[]): SourcedDoc[] {
  const out: SourcedDoc[] = [];
  for (const file of paths) {
    const docs = parseAllDocuments(readFileSync(file, 'utf8'));
    docs.forEach((d, index) => {
      if (d.errors.length) throw new Error(`${file}: document ${index + 1}: ${d.errors[0]!.message}`);
      const value = d.toJS() as KubeDoc | null;
      if (value) out.push({ doc: value, file, index });
    });
  }
  return out;
}

export function manifestFiles(dir = MANIFESTS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * The manifests for one region of one target, patched from the config:
 * issuer and jwksUri of the pinned realm, the catalog's file layout, plus the
 * generated catalog ConfigMap (when the folder has the catalog Deployment).
 */
export function renderManifests(cfg: LabConfig, region: Region, opts: RenderOptions = {}): KubeDoc[] {
  const dir = opts.manifestsDir ?? MANIFESTS_DIR;
  const docs = readManifestFiles(manifestFiles(dir)).map((s) => s.doc);
  const catalogDir = existsSync(join(dir, 'catalog', 'server.mjs')) ? join(dir, 'catalog') : undefined;
  return patchManifests(docs, cfg, region, { keycloakNodeAddress: opts.keycloakNodeAddress, catalogDir });
}

export function toYaml(docs: KubeDoc[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
