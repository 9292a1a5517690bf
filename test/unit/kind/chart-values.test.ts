// Every Helm value the kind target sets (on the command line or in a values
// file) must be a key the pinned chart knows: a typo is silently ignored by
// Helm and the lab would run with the chart's default instead. Checked
// against the charts' own values.yaml (and schema) in ../shared/reference.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { EnvVar } from 'kubernetes-models/v1/EnvVar';
import { Volume } from 'kubernetes-models/v1/Volume';
import { VolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeConfig } from '../../../scripts/core/config.js';
import { SHARED_REFERENCE_DIR } from '../../../scripts/core/paths.js';
import { KEYCLOAK_IMAGE, POSTGRESQL_IMAGE } from '../../../scripts/targets/kind/images.js';
import { istioReleases, keycloakRelease, userSuppliedValues, type HelmRelease } from '../../../scripts/targets/kind/releases.js';

const CHARTS = join(SHARED_REFERENCE_DIR, 'charts');
const present = existsSync(CHARTS);
if (!present) console.warn(`[skip] chart-values: ${CHARTS} is absent (only present in the workplace checkout)`);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Array items may carry keys the default items lack only where the chart's
 * template renders items verbatim. istio gateway templates/service.yaml:
 * `ports: {{ .Values.service.ports | toYaml }}`, so `nodePort` reaches the Service.
 */
const EXTRA_ITEM_KEYS: Record<string, string[]> = { 'gateway:service.ports': ['nodePort'] };

/** Kubernetes objects inside free-form arrays (default `[]`), validated by their own schema. */
const ITEM_MODELS: Record<string, (x: unknown) => { validate(): void }> = {
  'keycloak:extraEnvVars': (x) => new EnvVar(x as never),
  'keycloak:extraVolumes': (x) => new Volume(x as never),
  'keycloak:extraVolumeMounts': (x) => new VolumeMount(x as never),
};

function chartDefaults(r: HelmRelease): { defaults: Obj; dir: string } {
  const dir = join(CHARTS, r.referenceChart);
  const raw = parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Obj;
  // Istio charts nest every default under `defaults` (merged with the profile by zzz_profile.yaml).
  const defaults = (isObj(raw.defaults) ? raw.defaults : raw) as Obj;
  if (r.key === 'keycloak') {
    // Subchart keys live in the subchart's own values; the parent's `postgresql:` overrides them.
    const sub = parse(readFileSync(join(dir, 'postgresql-15.5.6-values.yaml'), 'utf8')) as Obj;
    defaults.postgresql = { ...sub, ...(defaults.postgresql as Obj) };
  }
  return { defaults, dir };
}

function unknownKeys(r: HelmRelease, values: Obj, defaults: Obj, dir: string, path: string[] = []): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    const p = [...path, k];
    const key = p.join('.');
    if (path.length === 0 && k === 'profile') {
      // Not a values.yaml key: zzz_profile.yaml merges files/profile-<value>.yaml under the defaults.
      if (!existsSync(join(dir, `profile-${String(v)}.yaml`))) problems.push(`${key}=${String(v)}: no profile-${String(v)}.yaml`);
      continue;
    }
    if (!(k in defaults)) {
      problems.push(`${key}: not in ${r.referenceChart}/values.yaml`);
      continue;
    }
    const d = defaults[k];
    if (isObj(v)) {
      if (isObj(d) && Object.keys(d).length === 0) continue; // free-form map (env, labels, annotations)
      if (!isObj(d)) problems.push(`${key}: an object, but the chart's default is ${JSON.stringify(d)}`);
      else problems.push(...unknownKeys(r, v, d, dir, p));
    } else if (Array.isArray(v)) {
      if (!Array.isArray(d)) {
        problems.push(`${key}: a list, but the chart's default is ${JSON.stringify(d)}`);
        continue;
      }
      const model = ITEM_MODELS[`${r.key}:${key}`];
      if (model) {
        for (const item of v) {
          try {
            model(item).validate();
          } catch (e) {
            problems.push(`${key}: ${(e as Error).message}`);
          }
        }
        continue;
      }
      const allowed = new Set([...d.flatMap((x) => (isObj(x) ? Object.keys(x) : [])), ...(EXTRA_ITEM_KEYS[`${r.key}:${key}`] ?? [])]);
      if (allowed.size === 0) problems.push(`${key}: items of an empty default list cannot be checked; add a model`);
      for (const item of v) for (const ik of Object.keys(item as Obj)) if (!allowed.has(ik)) problems.push(`${key}[].${ik}: unknown item key`);
    } else if (isObj(d) || Array.isArray(d)) {
      problems.push(`${key}: a scalar, but the chart's default is ${Array.isArray(d) ? 'a list' : 'an object'}`);
    }
  }
  return problems;
}

const cfg = makeConfig({ target: 'kind', env: {} });
const releases = [...istioReleases(), keycloakRelease(cfg, 'lab-admin')];

describe.skipIf(!present)('helm values against the pinned charts in ../shared/reference/charts', () => {
  for (const r of releases) {
    it(`${r.release}: every key set exists in ${r.referenceChart}`, () => {
      const { defaults, dir } = chartDefaults(r);
      expect(unknownKeys(r, userSuppliedValues(r), defaults, dir)).toEqual([]);
    });
  }

  it('the checker itself catches a misspelt key, a wrong nesting and an unknown item key', () => {
    const gw = istioReleases().find((r) => r.key === 'gateway')!;
    const { defaults, dir } = chartDefaults(gw);
    const bad = { service: { typ: 'NodePort', ports: [{ name: 'x', port: 1, nodeport: 30000 }] }, autoscaling: 'off' };
    expect(unknownKeys(gw, bad, defaults, dir)).toEqual([
      'service.typ: not in istio-1.23.2/gateway/values.yaml',
      'service.ports[].nodeport: unknown item key',
      "autoscaling: a scalar, but the chart's default is an object",
    ]);
    const istiod = istioReleases().find((r) => r.key === 'istiod')!;
    const d2 = chartDefaults(istiod);
    expect(unknownKeys(istiod, { profile: 'ambiant', env: { X: '1' } }, d2.defaults, d2.dir)).toEqual([
      'profile=ambiant: no profile-ambiant.yaml',
      'env: not in istio-1.23.2/istiod/values.yaml',
    ]);
  });

  it('the gateway values satisfy the chart values.schema.json', () => {
    const gw = istioReleases().find((r) => r.key === 'gateway')!;
    const schema = JSON.parse(readFileSync(join(CHARTS, gw.referenceChart, 'values.schema.json'), 'utf8')) as Obj;
    delete schema.$schema; // draft-less "json-schema.org/schema#"
    // The root is `{ $ref: values, additionalProperties: false }` with no
    // properties: Helm's draft-07 validator ignores keywords beside $ref
    // (otherwise no value could ever be set), so validate against the $ref.
    delete schema.additionalProperties;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(userSuppliedValues(gw)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ service: { type: 'NodePort', ports: [{ name: 'https', port: '443' }] } })).toBe(false);
  });

  it('keeps the chart 21.4.4 image tags and only swaps the repository to bitnamilegacy', () => {
    const kc = keycloakRelease(cfg, 'lab-admin');
    const { defaults } = chartDefaults(kc);
    const image = defaults.image as Obj;
    const pg = (defaults.postgresql as Obj).image as Obj;
    expect(image.tag).toBe(KEYCLOAK_IMAGE.tag);
    expect(image.registry).toBe(KEYCLOAK_IMAGE.registry);
    expect(pg.tag).toBe(POSTGRESQL_IMAGE.tag);
    expect(pg.registry).toBe(POSTGRESQL_IMAGE.registry);
    expect(kc.set).toEqual({ 'image.repository': 'bitnamilegacy/keycloak', 'postgresql.image.repository': 'bitnamilegacy/postgresql' });
    const chart = readFileSync(join(CHARTS, kc.referenceChart, 'Chart.yaml'), 'utf8');
    expect(parse(chart)).toMatchObject({ version: '21.4.4', appVersion: '24.0.5' });
  });

  it('pins the Istio hub/tag/variant the preloaded images use', () => {
    for (const r of istioReleases().filter((x) => x.key !== 'base' && x.key !== 'gateway')) {
      const v = userSuppliedValues(r) as { global?: Obj } & Obj;
      const img = (v.global ?? v) as Obj;
      expect(img).toMatchObject({ hub: 'docker.io/istio', tag: '1.23.2', variant: 'distroless' });
    }
  });
});
