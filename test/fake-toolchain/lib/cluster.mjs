// What a fake cluster "runs", derived from its state: the workloads each Helm
// release creates, the Deployments applied with kubectl, and whether each is
// ready. The rules encode the dependencies that matter in the real install
// order, so getting the order wrong shows up as a rollout that never finishes.

export const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

const group = (apiVersion) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : 'core');

export function objectKey(doc) {
  const ns = CLUSTER_SCOPED.has(doc.kind) ? '' : doc.metadata?.namespace ?? 'default';
  return `${group(doc.apiVersion)}|${doc.kind}|${ns}|${doc.metadata?.name}`;
}

export const isIstioKind = (doc) => /(^|\.)istio\.io\//.test(doc.apiVersion ?? '');

export function deployed(c, namespace, name) {
  return c.releases?.[`${namespace}/${name}`]?.status === 'deployed';
}

export function objectsOf(c, kind, namespace) {
  return Object.values(c.objects ?? {}).filter((o) => o.kind === kind && (namespace === undefined || (o.metadata.namespace ?? 'default') === namespace));
}

export function findObject(c, kind, namespace, name) {
  return objectsOf(c, kind, namespace).find((o) => o.metadata.name === name);
}

/** Why an applied Deployment's pods cannot start (missing ConfigMap, Secret, ServiceAccount), or undefined. */
function podBlocker(c, ns, podSpec) {
  for (const v of podSpec?.volumes ?? []) {
    if (v.configMap && !findObject(c, 'ConfigMap', ns, v.configMap.name)) return `configmap "${v.configMap.name}" not found`;
    if (v.secret && !findObject(c, 'Secret', ns, v.secret.secretName)) return `secret "${v.secret.secretName}" not found`;
  }
  const sa = podSpec?.serviceAccountName;
  if (sa && sa !== 'default' && !findObject(c, 'ServiceAccount', ns, sa)) return `serviceaccount "${sa}" not found`;
  return undefined;
}

/**
 * Every workload with its readiness. Istio: istiod, the CNI agent and ztunnel
 * come with their releases; the ingress gateway's image is "auto", filled in
 * by istiod's injector, so it only starts once istiod runs. Keycloak's pod
 * reads three Secrets; PostgreSQL comes with the release.
 */
export function workloads(c) {
  const out = [];
  const add = (kind, namespace, name, ready, reason) => out.push({ kind, namespace, name, ready, reason });
  const istio = 'istio-system';
  if (deployed(c, istio, 'istiod')) add('Deployment', istio, 'istiod', true);
  if (deployed(c, istio, 'istio-cni')) add('DaemonSet', istio, 'istio-cni-node', true);
  if (deployed(c, istio, 'ztunnel')) add('DaemonSet', istio, 'ztunnel', true);
  if (deployed(c, istio, 'istio-ingressgateway')) {
    const ok = deployed(c, istio, 'istiod');
    add('Deployment', istio, 'istio-ingressgateway', ok, ok ? undefined : 'image "auto" was never injected (istiod is not running)');
  }
  if (deployed(c, 'keycloak', 'keycloak')) {
    add('StatefulSet', 'keycloak', 'keycloak-postgresql', true);
    const cfg = c.releases['keycloak/keycloak'].config ?? {};
    const needed = [cfg.auth?.existingSecret, cfg.extraEnvVarsSecret, ...(cfg.extraVolumes ?? []).map((v) => v.secret?.secretName)].filter(Boolean);
    const missing = needed.find((n) => !findObject(c, 'Secret', 'keycloak', n));
    add('StatefulSet', 'keycloak', 'keycloak', !missing, missing ? `secret "${missing}" not found` : undefined);
  }
  for (const d of objectsOf(c, 'Deployment')) {
    const ns = d.metadata.namespace ?? 'default';
    const blocker = podBlocker(c, ns, d.spec?.template?.spec);
    add('Deployment', ns, d.metadata.name, !blocker, blocker);
  }
  return out;
}

export function workloadObject(w) {
  const base = { apiVersion: w.kind === 'DaemonSet' || w.kind === 'Deployment' || w.kind === 'StatefulSet' ? 'apps/v1' : 'v1', kind: w.kind, metadata: { name: w.name, namespace: w.namespace } };
  if (w.kind === 'DaemonSet') return { ...base, status: { desiredNumberScheduled: 1, numberReady: w.ready ? 1 : 0 } };
  return { ...base, spec: { replicas: 1 }, status: { readyReplicas: w.ready ? 1 : 0 } };
}
