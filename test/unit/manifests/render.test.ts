import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, cpSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { issuerFor, jwksUriFor, makeConfig, PRIMARY_REALM, REGIONS } from '../../../scripts/core/config.js';
import { MANIFESTS_DIR } from '../../../scripts/core/paths.js';
import {
  CATALOG,
  catalogFiles,
  readManifestFiles,
  manifestFiles,
  renderManifests,
  toYaml,
  type KubeDoc,
} from '../../../scripts/manifests/index.js';

const ra = (docs: KubeDoc[]) => docs.find((d) => d.kind === 'RequestAuthentication') as KubeDoc & {
  spec: { jwtRules: Array<{ issuer: string; jwksUri: string; audiences: string[] }> };
};

describe('renderManifests', () => {
  it('pins issuer and jwksUri to the config on the local target, with a port offset', () => {
    const cfg = makeConfig({ target: 'local', env: { LAB_PORT_OFFSET: '777' } });
    for (const region of REGIONS) {
      const rule = ra(renderManifests(cfg, region)).spec.jwtRules[0]!;
      expect(rule.issuer).toBe(issuerFor(cfg, PRIMARY_REALM));
      expect(rule.issuer).toBe('http://localhost:8867/realms/bookstore-platform');
      expect(rule.jwksUri).toBe(jwksUriFor(cfg, region, PRIMARY_REALM));
    }
  });

  it('points kind regions at us-east: the Service in us-east, the node address elsewhere', () => {
    const cfg = makeConfig({ target: 'kind', env: {} });
    expect(ra(renderManifests(cfg, 'us-east')).spec.jwtRules[0]!.jwksUri).toBe(
      'http://keycloak.keycloak.svc.cluster.local/realms/bookstore-platform/protocol/openid-connect/certs',
    );
    const eu = ra(renderManifests(cfg, 'eu-west', { keycloakNodeAddress: '172.18.0.5' })).spec.jwtRules[0]!;
    expect(eu.jwksUri).toBe('http://172.18.0.5:30090/realms/bookstore-platform/protocol/openid-connect/certs');
    expect(eu.issuer).toBe('http://localhost:8090/realms/bookstore-platform');
  });

  it('leaves a non-canonical (broken) issuer alone, so break scenarios stay broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-manifests-'));
    cpSync(MANIFESTS_DIR, dir, { recursive: true });
    const file = join(dir, '10-request-authentication.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    const wrong = 'https://keycloak.bookstore-platform.example.com/realms/bookstore-platform';
    doc.setIn(['spec', 'jwtRules', 0, 'issuer'], wrong);
    writeFileSync(file, doc.toString());
    const cfg = makeConfig({ target: 'local', env: { LAB_PORT_OFFSET: '5' } });
    const rule = ra(renderManifests(cfg, 'us-east', { manifestsDir: dir })).spec.jwtRules[0]!;
    expect(rule.issuer).toBe(wrong);
    // The keys still come from where this target serves them.
    expect(rule.jwksUri).toBe(jwksUriFor(cfg, 'us-east', PRIMARY_REALM));
  });

  it('adds the catalog ConfigMap built from the files, and mounts every key', () => {
    const docs = renderManifests(makeConfig({ target: 'kind', env: {} }), 'us-east');
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === CATALOG.configMap) as KubeDoc & { data: Record<string, string> };
    expect(cm).toBeDefined();
    expect(cm.metadata.namespace).toBe(CATALOG.namespace);
    const files = catalogFiles();
    expect(Object.keys(cm.data).sort()).toEqual(files.map((f) => f.key).sort());
    expect(cm.data['server.mjs']).toBe(readFileSync(join(MANIFESTS_DIR, 'catalog', 'server.mjs'), 'utf8'));
    expect(Object.keys(cm.data)).toContain('static.index.html');
    const dep = docs.find((d) => d.kind === 'Deployment') as KubeDoc & {
      spec: { template: { spec: { volumes: Array<{ configMap: { name: string; items: Array<{ key: string; path: string }> } }> } } };
    };
    const items = dep.spec.template.spec.volumes.find((v) => v.configMap?.name === CATALOG.configMap)!.configMap.items;
    expect(items.map((i) => i.path).sort()).toEqual(['server.mjs', ...readdirSync(join(MANIFESTS_DIR, 'catalog', 'static')).map((n) => `static/${n}`)].sort());
  });

  it('renders the pieces each target needs', () => {
    const docs = renderManifests(makeConfig({ target: 'kind', env: {} }), 'us-east');
    const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`);
    for (const k of [
      'Namespace/bookstore-platform-acme-books',
      'RequestAuthentication/storefront-keycloak',
      'AuthorizationPolicy/allow-public-static',
      'AuthorizationPolicy/require-jwt-api',
      'AuthorizationPolicy/deny-all',
      'Gateway/bookstore-gateway',
      'VirtualService/bookstore-routes',
      'ServiceAccount/catalog-irsa-sa',
      'Deployment/catalog',
      'Service/catalog',
      'ConfigMap/catalog-files',
    ]) {
      expect(kinds).toContain(k);
    }
    const sa = docs.find((d) => d.kind === 'ServiceAccount')!;
    expect(sa.metadata.namespace).toBe('bookstore-platform-acme-books');
    expect(sa.metadata.annotations?.['eks.amazonaws.com/audience']).toBe('sts.amazonaws.com');
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
  });

  it('toYaml round-trips through readManifestFiles', () => {
    const docs = renderManifests(makeConfig({ target: 'local', env: {} }), 'us-east');
    const dir = mkdtempSync(join(tmpdir(), 'lab-yaml-'));
    writeFileSync(join(dir, 'all.yaml'), toYaml(docs));
    expect(readManifestFiles([join(dir, 'all.yaml')]).map((s) => s.doc)).toEqual(docs);
  });

  it('reads each file in order and keeps where every document came from', () => {
    const sourced = readManifestFiles(manifestFiles());
    const aps = sourced.filter((s) => s.doc.kind === 'AuthorizationPolicy');
    expect(aps.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(new Set(aps.map((s) => s.file)).size).toBe(1);
  });
});
