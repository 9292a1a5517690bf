// Istio 1.23.2's own CRD schemas (../shared/reference, when present): what the
// API server checks before istiod's webhook sees anything. Structural schemas,
// so unknown fields can be found by walking them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SHARED_REFERENCE_DIR } from '../core/paths.js';

export type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  required?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [k: string]: unknown;
};

export const CRD_FILE = join(SHARED_REFERENCE_DIR, 'charts', 'istio-1.23.2', 'security-crds.yaml');

interface CrdDoc {
  kind?: string;
  spec?: {
    group: string;
    names: { kind: string };
    versions: Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: JsonSchema } }>;
  };
}

let cache: Map<string, JsonSchema> | null | undefined;

/** `<apiVersion> <Kind>` -> openAPIV3Schema, or null when the reference is absent. */
export function crdSchemas(file = CRD_FILE): Map<string, JsonSchema> | null {
  if (file === CRD_FILE && cache !== undefined) return cache;
  let out: Map<string, JsonSchema> | null = null;
  if (existsSync(file)) {
    out = new Map();
    for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = d.toJS() as CrdDoc | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions) {
        const schema = v.schema?.openAPIV3Schema;
        if (v.served !== false && schema) out.set(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`, schema);
      }
    }
  }
  if (file === CRD_FILE) cache = out;
  return out;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export interface UnknownField {
  path: Array<string | number>;
  known: string[];
}

/** Fields a structural schema does not declare (the API server's strict field validation rejects them). */
export function unknownFields(schema: JsonSchema, value: unknown, path: Array<string | number> = []): UnknownField[] {
  const out: UnknownField[] = [];
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => out.push(...unknownFields(schema.items!, v, [...path, i])));
    return out;
  }
  if (value === null || typeof value !== 'object') return out;
  const props = schema.properties ?? {};
  const extra = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (props[k]) out.push(...unknownFields(props[k]!, v, [...path, k]));
    else if (extra && typeof extra === 'object') out.push(...unknownFields(extra, v, [...path, k]));
    else if (extra === true || preserve) continue;
    else out.push({ path: [...path, k], known: Object.keys(props) });
  }
  return out;
}

/** The fields of ObjectMeta a manifest may set. */
export const OBJECT_META_FIELDS = [
  'name', 'generateName', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion', 'generation',
  'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences', 'finalizers',
  'managedFields', 'selfLink',
];
