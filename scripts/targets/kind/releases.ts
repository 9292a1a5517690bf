// The Helm releases the kind target installs, in install order, each with the
// values it sets and the workloads to wait on afterwards. One list feeds the
// plan, the executor, `lab:status` and the chart-values test.
import { ISTIO_VERSION, type LabConfig } from '../../core/config.js';
import { GATEWAY_RELEASE, ISTIO_NAMESPACE, ISTIO_REPO, cniValues, gatewayValues, istiodValues, ztunnelValues } from './istio-values.js';
import { KEYCLOAK_CHART, KEYCLOAK_NAMESPACE, KEYCLOAK_RELEASE, KEYCLOAK_SET, KEYCLOAK_VERSION_PIN, keycloakValues } from './keycloak.js';

export interface HelmRelease {
  /** Short name used in step ids and titles. */
  key: 'base' | 'istiod' | 'cni' | 'ztunnel' | 'gateway' | 'keycloak';
  release: string;
  chart: string;
  repo?: string;
  version: string;
  namespace: string;
  createNamespace?: boolean;
  /** On the command line, so the plan shows them. */
  set: Record<string, string>;
  /** Everything else, written to a values file built from these typed objects. */
  values: object;
  /** `kubectl rollout status` targets to wait on after the install. */
  rollouts: string[];
  /** Chart folder under ../shared/reference/charts (for the values test). */
  referenceChart: string;
  /** `helm list` shows the chart as <name>-<version>. */
  chartLabel: string;
}

const istio = (key: HelmRelease['key'], release: string, chart: string, rest: Partial<HelmRelease>): HelmRelease => ({
  key,
  release,
  chart,
  repo: ISTIO_REPO,
  version: ISTIO_VERSION,
  namespace: ISTIO_NAMESPACE,
  set: {},
  values: {},
  rollouts: [],
  referenceChart: `istio-${ISTIO_VERSION}/${chart === 'cni' ? 'istio-cni' : chart}`,
  chartLabel: `${chart}-${ISTIO_VERSION}`,
  ...rest,
});

/** base → istiod (ambient) → cni (ambient) → ztunnel → ingress gateway, per istio.io's Helm ambient install. */
export function istioReleases(): HelmRelease[] {
  return [
    // CRDs and the cluster-wide bits; creates istio-system.
    istio('base', 'istio-base', 'base', { createNamespace: true }),
    istio('istiod', 'istiod', 'istiod', { set: { profile: 'ambient' }, values: istiodValues(), rollouts: ['deployment/istiod'] }),
    istio('cni', 'istio-cni', 'cni', { set: { profile: 'ambient' }, values: cniValues(), rollouts: ['daemonset/istio-cni-node'] }),
    istio('ztunnel', 'ztunnel', 'ztunnel', { values: ztunnelValues(), rollouts: ['daemonset/ztunnel'] }),
    // Its image is "auto": istiod's injector fills it in, so istiod must be up first.
    istio('gateway', GATEWAY_RELEASE, 'gateway', { values: gatewayValues(), rollouts: [`deployment/${GATEWAY_RELEASE}`] }),
  ];
}

export function keycloakRelease(cfg: LabConfig, adminUser: string): HelmRelease {
  return {
    key: 'keycloak',
    release: KEYCLOAK_RELEASE,
    chart: KEYCLOAK_CHART,
    version: KEYCLOAK_VERSION_PIN,
    namespace: KEYCLOAK_NAMESPACE,
    set: { ...KEYCLOAK_SET },
    values: keycloakValues(cfg, adminUser),
    rollouts: ['statefulset/keycloak-postgresql', 'statefulset/keycloak'],
    referenceChart: `keycloak-${KEYCLOAK_VERSION_PIN}`,
    chartLabel: `keycloak-${KEYCLOAK_VERSION_PIN}`,
  };
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

/** What `helm get values` reports after our install: the values file with the --set keys merged in. */
export function userSuppliedValues(r: HelmRelease): Record<string, unknown> {
  const out = structuredClone(r.values) as Record<string, unknown>;
  for (const [k, v] of Object.entries(r.set)) setPath(out, k, v);
  return out;
}

/** Order-insensitive deep equality of JSON values. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => sameJson(ao[k], bo[k]));
}
