// kubectl steps: the gateway TLS Secret, the rendered manifests (and their
// rollouts), Keycloak's Secrets. Each is skipped when `kubectl diff` is empty.
import { KEYCLOAK_REGION, PRIMARY_REALM, jwksUriFor, kubeContext, type LabConfig, type Region } from '../../../core/config.js';
import { GATEWAY_TLS_SECRET, renderManifests, toYaml, type KubeDoc } from '../../../manifests/index.js';
import { applyArgs, tlsSecretYaml, unchanged } from '../../../tools/kubectl.js';
import { ISTIO_NAMESPACE } from '../istio-values.js';
import { NODE_IP_PLACEHOLDER, type KindRun, type Step } from '../step.js';
import { ensureTlsPair } from '../tls.js';
import { rolloutStep } from './helm.js';
import { write } from './common.js';

export function tlsSteps(region: Region): Step[] {
  const context = kubeContext(region);
  const render: Step = {
    id: `${region}/tls/render`,
    lane: region,
    region,
    title: () => `render the gateway TLS Secret ${GATEWAY_TLS_SECRET} (client-side, from the lab's self-signed pair)`,
    command: (run) => [
      'kubectl', 'create', 'secret', 'tls', GATEWAY_TLS_SECRET, '--namespace', ISTIO_NAMESPACE, '--context', context,
      `--cert=${run.paths.tlsCert}`, `--key=${run.paths.tlsKey}`, '--dry-run=client', '--output', 'yaml',
    ],
    mutates: false,
    prepare: async (run) => {
      run.tlsPair ??= ensureTlsPair(run.paths);
      await run.tlsPair;
    },
    exec: async (run) => {
      run.facts.tlsSecretYaml[region] = await tlsSecretYaml(context, ISTIO_NAMESPACE, GATEWAY_TLS_SECRET, run.paths.tlsCert, run.paths.tlsKey);
    },
  };
  const apply: Step = {
    id: `${region}/tls/apply`,
    lane: region,
    region,
    title: () => `apply the gateway TLS Secret (stdin)`,
    command: () => applyArgs(context, '-', ISTIO_NAMESPACE),
    mutates: true,
    stdin: async (run) => {
      const y = run.facts.tlsSecretYaml[region];
      if (!y) throw new Error('the TLS Secret was not rendered');
      return y;
    },
    check: async (run) => {
      const y = run.facts.tlsSecretYaml[region];
      return y && (await unchanged(context, '-', y, ISTIO_NAMESPACE)) ? 'applied and unchanged' : undefined;
    },
  };
  return [render, apply];
}

export function manifestDeployments(docs: KubeDoc[]): Array<{ namespace: string; name: string }> {
  return docs
    .filter((d) => d.kind === 'Deployment')
    .map((d) => ({ namespace: d.metadata.namespace ?? 'default', name: d.metadata.name }));
}

/** Namespaces first, so one `kubectl apply` of the file creates them before their contents. */
export function orderForApply(docs: KubeDoc[]): KubeDoc[] {
  return [...docs.filter((d) => d.kind === 'Namespace'), ...docs.filter((d) => d.kind !== 'Namespace')];
}

export function manifestSteps(cfg: LabConfig, region: Region, nodeAddressStepId: string | undefined): Step[] {
  const context = kubeContext(region);
  const nodeAddress = (run: KindRun) =>
    region === KEYCLOAK_REGION ? undefined : (run.facts.keycloakNodeAddress ?? NODE_IP_PLACEHOLDER);
  const apply: Step = {
    id: `${region}/manifests`,
    lane: region,
    region,
    title: (run) =>
      `apply policies, gateway routing, catalog and IRSA ServiceAccount (jwksUri ${jwksUriFor(cfg, region, PRIMARY_REALM, nodeAddress(run))})`,
    command: (run) => applyArgs(context, run.paths.manifests(region)),
    mutates: true,
    after: nodeAddressStepId ? [nodeAddressStepId] : undefined,
    prepare: async (run) => {
      const docs = renderManifests(cfg, region, { keycloakNodeAddress: nodeAddress(run) });
      write(run.paths.manifests(region), toYaml(orderForApply(docs)));
    },
    check: async (run) => ((await unchanged(context, run.paths.manifests(region))) ? 'applied and unchanged (kubectl diff is empty)' : undefined),
  };
  const rollouts = manifestDeployments(renderManifests(cfg, region, { keycloakNodeAddress: NODE_IP_PLACEHOLDER })).map((d) =>
    rolloutStep(region, region, d.namespace, `deployment/${d.name}`),
  );
  return [apply, ...rollouts];
}
