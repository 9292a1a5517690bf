// Every image the lab runs on kind, listed once and pinned. They are pulled
// once on the host and loaded into each cluster that runs them, so three
// clusters never pull the same layers three times (or hit Docker Hub's rate
// limit). The Istio tags end in -distroless because the ambient profile (and
// our explicit `variant`) selects that build.
import { ISTIO_VERSION, KEYCLOAK_REGION, type Region } from '../../core/config.js';

export const ISTIO_HUB = 'docker.io/istio';
export const ISTIO_VARIANT = 'distroless';
const istio = (name: string) => `${ISTIO_HUB}/${name}:${ISTIO_VERSION}-${ISTIO_VARIANT}`;

/** Chart 21.4.4's own tags, from the moved `bitnamilegacy` namespace (reference/keycloak.md). */
export const KEYCLOAK_IMAGE = { registry: 'docker.io', repository: 'bitnamilegacy/keycloak', tag: '24.0.5-debian-12-r0' } as const;
export const POSTGRESQL_IMAGE = { registry: 'docker.io', repository: 'bitnamilegacy/postgresql', tag: '16.3.0-debian-12-r14' } as const;
const bitnami = (i: { registry: string; repository: string; tag: string }) => `${i.registry}/${i.repository}:${i.tag}`;

export type ImageRole = 'istio' | 'keycloak' | 'backend';

export interface PinnedImage {
  ref: string;
  role: ImageRole;
  why: string;
}

export const IMAGES: readonly PinnedImage[] = [
  { ref: istio('pilot'), role: 'istio', why: 'istiod' },
  { ref: istio('install-cni'), role: 'istio', why: 'istio-cni node agent (ambient)' },
  { ref: istio('ztunnel'), role: 'istio', why: 'ztunnel (ambient L4)' },
  { ref: istio('proxyv2'), role: 'istio', why: 'the ingress gateway (injected by istiod)' },
  { ref: bitnami(KEYCLOAK_IMAGE), role: 'keycloak', why: 'Keycloak 24.0.5 (us-east)' },
  { ref: bitnami(POSTGRESQL_IMAGE), role: 'keycloak', why: "Keycloak's PostgreSQL (us-east)" },
  // The catalog backend: plain Node running server.mjs from a ConfigMap
  // (manifests/40-catalog.yaml). A unit test checks the manifests agree.
  { ref: 'docker.io/library/node:20.18.1-alpine', role: 'backend', why: 'catalog backend' },
];

/** The images a region's cluster runs. */
export function imagesFor(region: Region): PinnedImage[] {
  return IMAGES.filter((i) => i.role !== 'keycloak' || region === KEYCLOAK_REGION);
}

/** Distinct images any of these regions needs, in list order. */
export function imagesForRegions(regions: readonly Region[]): PinnedImage[] {
  return IMAGES.filter((i) => regions.some((r) => imagesFor(r).includes(i)));
}
