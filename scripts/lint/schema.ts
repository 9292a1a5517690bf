// Schema checks: what the API server refuses before anything runs. Istio's
// security kinds use the 1.23.2 CRD schemas when the reference is present
// (types AND unknown fields); everything else uses kubernetes-models /
// @kubernetes-models/istio (types; unknown fields only at the top level and
// in metadata, the models do not forbid extra properties).
import { Ajv, type ErrorObject } from 'ajv';
import type { SourcedDoc } from '../manifests/index.js';
import { crdSchemas, closest, unknownFields, OBJECT_META_FIELDS, type JsonSchema } from './crd.js';
import { fieldPath, fromPointer, type PathPart } from './paths.js';
import { objectName, type Finding } from './types.js';

const REFUSED = (what: string) =>
  `\`kubectl apply\` is refused by the API server (${what}); nothing in this object is applied, the old version (or none) stays in force`;

/** Top-level fields per kind the lab may use (the models do not say which fields are extra). */
const TOP_LEVEL: Record<string, string[]> = {
  Namespace: ['spec', 'status'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  Deployment: ['spec', 'status'],
  Service: ['spec', 'status'],
  Gateway: ['spec', 'status'],
  VirtualService: ['spec', 'status'],
  RequestAuthentication: ['spec', 'status'],
  AuthorizationPolicy: ['spec', 'status'],
};

let ajv: Ajv | undefined;
const compiled = new Map<string, ReturnType<Ajv['compile']>>();
function validatorFor(key: string, schema: JsonSchema) {
  ajv ??= new Ajv({ strict: false, allErrors: true, validateFormats: false });
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(key, v);
  }
  return v;
}

function unknownFieldFinding(s: SourcedDoc, path: PathPart[], known: string[]): Finding {
  const name = String(path[path.length - 1]);
  const guess = closest(name, known);
  const field = fieldPath(path);
  return {
    severity: 'error',
    rule: 'unknown-field',
    file: s.file,
    object: objectName(s.doc),
    field,
    message: `unknown field "${field}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
    runtime: `${REFUSED(`strict decoding error: unknown field "${field}"`)}; with --validate=false the field is silently dropped and has no effect`,
    fix: guess ? `rename "${name}" to "${guess}"` : `remove "${name}"; known fields here: ${known.join(', ')}`,
  };
}

function ajvFinding(s: SourcedDoc, e: ErrorObject): Finding {
  const parts = fromPointer(e.instancePath);
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  const field = fieldPath(parts);
  const msg = e.keyword === 'required' ? `required field "${field}" is missing` : `${field} ${e.message ?? 'is invalid'}`;
  return {
    severity: 'error',
    rule: 'schema',
    file: s.file,
    object: objectName(s.doc),
    field,
    message: msg,
    runtime: REFUSED(msg),
    fix: e.keyword === 'enum'
      ? `use one of: ${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')}`
      : `make ${field} match the schema (${e.keyword}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''})`,
  };
}

/** The kubernetes-models / @kubernetes-models/istio module of one kind (one small module, not the group index). */
function modelModule(apiVersion: string, kind: string): string | undefined {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  if (apiVersion === 'v1') return `kubernetes-models/v1/${kind}`;
  const m = /^([a-z0-9.-]+)\/(v[0-9a-z]+)$/.exec(apiVersion);
  if (!m) return undefined;
  if (m[1]!.endsWith('.istio.io')) return `@kubernetes-models/istio/${m[1]}/${m[2]}/${kind}`;
  return `kubernetes-models/${m[1]}/${m[2]}/${kind}`;
}

type Model = { validate(): void };
async function modelFor(doc: SourcedDoc['doc']): Promise<Model | undefined> {
  const spec = modelModule(doc.apiVersion, doc.kind);
  if (!spec) return undefined;
  try {
    const mod = (await import(spec)) as Record<string, new (data: unknown) => Model>;
    const Ctor = mod[doc.kind];
    return Ctor ? new Ctor(doc) : undefined;
  } catch {
    return undefined;
  }
}

export async function schemaFindings(docs: SourcedDoc[], crds: Map<string, JsonSchema> | null = crdSchemas()): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const s of docs) {
    const d = s.doc as SourcedDoc['doc'] | null;
    const base = { file: s.file, object: objectName(s.doc) };
    if (!d || typeof d !== 'object' || typeof d.apiVersion !== 'string' || typeof d.kind !== 'string') {
      out.push({
        ...base,
        severity: 'error',
        rule: 'schema',
        field: '(document)',
        message: 'not a Kubernetes object: apiVersion and kind are required',
        runtime: REFUSED('Object \'Kind\' is missing'),
        fix: 'add apiVersion and kind, or remove the document',
      });
      continue;
    }
    if (typeof d.metadata?.name !== 'string' || d.metadata.name === '') {
      out.push({ ...base, severity: 'error', rule: 'schema', field: 'metadata.name', message: 'metadata.name is required', runtime: REFUSED('resource name may not be empty'), fix: 'give the object a name' });
    }
    for (const k of Object.keys(d.metadata ?? {})) {
      if (!OBJECT_META_FIELDS.includes(k)) out.push(unknownFieldFinding(s, ['metadata', k], OBJECT_META_FIELDS));
    }
    const top = TOP_LEVEL[d.kind];
    if (top) {
      for (const k of Object.keys(d)) {
        if (!['apiVersion', 'kind', 'metadata', ...top].includes(k)) out.push(unknownFieldFinding(s, [k], top));
      }
    }

    const crd = crds?.get(`${d.apiVersion} ${d.kind}`);
    if (crd) {
      const validate = validatorFor(`${d.apiVersion} ${d.kind}`, crd);
      if (!validate(d)) {
        for (const e of validate.errors ?? []) {
          // The oneOf on provider/CUSTOM is reported by the admission rules in plain words.
          if (e.keyword === 'oneOf' || e.keyword === 'not') continue;
          out.push(ajvFinding(s, e));
        }
      }
      for (const u of unknownFields(crd.properties?.spec ?? {}, (d as { spec?: unknown }).spec, ['spec'])) {
        out.push(unknownFieldFinding(s, u.path, u.known));
      }
      continue;
    }
    if (crds && d.apiVersion.startsWith('security.istio.io/')) {
      out.push({
        ...base,
        severity: 'error',
        rule: 'schema',
        field: 'apiVersion',
        message: `Istio 1.23.2 serves no ${d.kind} in ${d.apiVersion}`,
        runtime: REFUSED(`no matches for kind "${d.kind}" in version "${d.apiVersion}"`),
        fix: 'use apiVersion: security.istio.io/v1',
      });
      continue;
    }
    const model = await modelFor(d);
    if (!model) {
      out.push({
        ...base,
        severity: 'warning',
        rule: 'schema-unknown-kind',
        field: 'apiVersion',
        message: `no schema known for ${d.apiVersion} ${d.kind}; not validated`,
        runtime: `the API server rejects it unless a CRD serves ${d.kind} in ${d.apiVersion}`,
        fix: 'check apiVersion and kind spelling',
      });
      continue;
    }
    try {
      model.validate();
    } catch (e) {
      const errors = (e as { errors?: ErrorObject[] }).errors ?? [];
      if (errors.length === 0) out.push({ ...base, severity: 'error', rule: 'schema', field: '(document)', message: (e as Error).message, runtime: REFUSED((e as Error).message), fix: 'fix the object to match its schema' });
      for (const err of errors) out.push(ajvFinding(s, err));
    }
  }
  return out;
}
