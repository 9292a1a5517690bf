// One pinned image list: everything the kind lab runs, nothing unpinned.
import { describe, expect, it } from 'vitest';
import { REGIONS, makeConfig } from '../../../scripts/core/config.js';
import { renderManifests, type KubeDoc } from '../../../scripts/manifests/index.js';
import { normalizeImage } from '../../../scripts/tools/docker.js';
import { IMAGES, imagesFor, imagesForRegions } from '../../../scripts/targets/kind/images.js';

function containerImages(docs: KubeDoc[]): string[] {
  return docs.flatMap((d) => {
    const spec = (d as { spec?: { template?: { spec?: { containers?: Array<{ image: string }>; initContainers?: Array<{ image: string }> } } } }).spec?.template?.spec;
    return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.image);
  });
}

describe('pinned images', () => {
  it('are fully qualified, tagged, never :latest, listed once', () => {
    const refs = IMAGES.map((i) => i.ref);
    expect(new Set(refs).size).toBe(refs.length);
    for (const r of refs) {
      expect(r).toMatch(/^docker\.io\/[a-z0-9-]+\/[a-z0-9-]+:[\w.-]+$/);
      expect(r).not.toMatch(/:latest$/);
      expect(normalizeImage(r)).toBe(r);
    }
  });

  it('carry Istio 1.23.2 distroless for pilot, install-cni, ztunnel and proxyv2', () => {
    const istio = IMAGES.filter((i) => i.role === 'istio').map((i) => i.ref).sort();
    expect(istio).toEqual(['pilot', 'install-cni', 'ztunnel', 'proxyv2'].map((n) => `docker.io/istio/${n}:1.23.2-distroless`).sort());
  });

  it('include every container image the manifests run', () => {
    const cfg = makeConfig({ target: 'kind', env: {} });
    const listed = new Set(IMAGES.map((i) => i.ref));
    for (const r of REGIONS) {
      const used = containerImages(renderManifests(cfg, r, { keycloakNodeAddress: '172.18.0.2' }));
      expect(used.length).toBeGreaterThan(0);
      for (const u of used) expect(listed.has(normalizeImage(u)), `${u} is not in the pinned list`).toBe(true);
      for (const u of used) expect(imagesFor(r).map((i) => i.ref)).toContain(normalizeImage(u));
    }
  });

  it('give Keycloak and PostgreSQL only to us-east, and each image once across regions', () => {
    expect(imagesFor('us-east').filter((i) => i.role === 'keycloak')).toHaveLength(2);
    expect(imagesFor('ap-south').filter((i) => i.role === 'keycloak')).toHaveLength(0);
    expect(imagesForRegions([...REGIONS])).toEqual(IMAGES);
    expect(imagesForRegions(['eu-west', 'ap-south']).length).toBe(IMAGES.length - 2);
  });

  it('normalizes Docker Hub short names the way containerd stores them', () => {
    expect(normalizeImage('node:20')).toBe('docker.io/library/node:20');
    expect(normalizeImage('istio/pilot:1.23.2')).toBe('docker.io/istio/pilot:1.23.2');
    expect(normalizeImage('quay.io/x/y:1')).toBe('quay.io/x/y:1');
    expect(normalizeImage('localhost:5000/y:1')).toBe('localhost:5000/y:1');
  });
});
