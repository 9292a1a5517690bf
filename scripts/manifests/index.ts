// Renders the shipped manifests/ and realms/ for one target and region by
// patching parsed documents with values from the typed config. Both targets,
// the engine, the lint and the labs go through here: one source of truth.
//
// SEAM: the signatures below are shared by every part of the project. Extend
// the behaviour, keep the signatures.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { LabConfig, RealmName, Region } from '../core/config.js';
import { REALMS } from '../core/config.js';
import { MANIFESTS_DIR, REALMS_DIR } from '../core/paths.js';

/** A parsed Kubernetes/Istio object. */
export interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface SourcedDoc {
  doc: KubeDoc;
  /** File it came from, relative to the repo, and its index in that file (for lint findings). */
  file: string;
  index: number;
}

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

/** The manifests for one region of one target, patched from the config. */
export function renderManifests(cfg: LabConfig, region: Region, opts: RenderOptions = {}): KubeDoc[] {
  return readManifestFiles(manifestFiles(opts.manifestsDir)).map((s) => s.doc);
}

export type RealmDoc = Record<string, unknown> & { realm: string };

/** Realm import JSON for a config. ${LAB_*} placeholders stay: Keycloak resolves them from env. */
export function renderRealms(cfg: LabConfig, realmsDir = REALMS_DIR): Record<RealmName, RealmDoc> {
  const out = {} as Record<RealmName, RealmDoc>;
  for (const realm of REALMS) {
    const file = join(realmsDir, `${realm}.json`);
    if (existsSync(file)) out[realm] = JSON.parse(readFileSync(file, 'utf8')) as RealmDoc;
  }
  return out;
}

export function toYaml(docs: KubeDoc[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
