// Builds the step list for `lab:up --target kind`: what runs, in which lane,
// after what, how each step knows it is already done, and how it runs.
// The dry-run prints these steps' commands; the executor runs the same steps.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { KEYCLOAK_REGION, PRIMARY_REALM, clusterName, jwksUriFor, kubeContext, type LabConfig, type Region } from '../../core/config.js';
import { LabError } from '../../core/errors.js';
import { run as runTool } from '../../core/proc.js';
import { GATEWAY_TLS_SECRET, renderManifests, toYaml, type KubeDoc } from '../../manifests/index.js';
import { inspectArgs, inspectContainer, imageOnHost, nodeImages, normalizeImage, publishedHostPorts, pullArgs, startContainerArgs } from '../../tools/docker.js';
import { controlPlaneContainer, createClusterArgs, deleteClusterArgs, kindClusters, loadImageArgs } from '../../tools/kind.js';
import { releaseState, releaseValues, rollbackArgs, uninstallArgs, upgradeInstallArgs } from '../../tools/helm.js';
import { applyArgs, nodesReady, rolloutStatusArgs, tlsSecretYaml, unchanged } from '../../tools/kubectl.js';
import { hostPortsOf, kindClusterConfig, kindConfigYaml } from './cluster-config.js';
import { imagesFor, imagesForRegions, type PinnedImage } from './images.js';
import { ISTIO_NAMESPACE } from './istio-values.js';
import { KEYCLOAK_NAMESPACE, keycloakSecretDocs, yamlStream } from './keycloak.js';
import { istioReleases, keycloakRelease, sameJson, userSuppliedValues, type HelmRelease } from './releases.js';
import { NODE_IP_PLACEHOLDER, type KindRun, type Lane, type Step, type StepIo } from './step.js';
import { ensureTlsPair } from './tls.js';
import { waitForStatus } from './wait.js';

export interface PlanOptions {
  noPreload: boolean;
  /** A kindest/node image to use instead of kind's default (LAB_KIND_NODE_IMAGE). */
  nodeImage?: string;
}

const write = (file: string, content: string) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const exec = async (argv: string[], input?: string) => {
  await runTool(argv, { input });
};

function pullStep(image: PinnedImage): Step {
  return {
    id: `host/pull/${image.ref}`,
    lane: 'host',
    region: null,
    title: () => `pull ${image.ref} (${image.why})`,
    command: () => pullArgs(image.ref),
    mutates: true,
    check: async () => ((await imageOnHost(image.ref)) ? 'already on the host' : undefined),
  };
}

function clusterStep(cfg: LabConfig, region: Region, opts: PlanOptions): Step {
  const name = clusterName(region);
  const node = controlPlaneContainer(name);
  /** What the check found: nothing (create), a stopped node (start it), a broken cluster (replace it). */
  let repair: 'start' | 'recreate' | undefined;
  const create = (run: KindRun) =>
    createClusterArgs({ name, configFile: run.paths.kindConfig(region), wait: run.timeouts.clusterWait, image: opts.nodeImage });
  return {
    id: `${region}/cluster`,
    lane: region,
    region,
    title: () => `create kind cluster ${name}`,
    command: create,
    mutates: true,
    prepare: async (run) => write(run.paths.kindConfig(region), kindConfigYaml(kindClusterConfig(cfg, region))),
    check: async (_run, io) => {
      repair = undefined;
      if (!(await kindClusters()).includes(name)) return undefined;
      const health = await nodesReady(kubeContext(region));
      const container = await inspectContainer(node);
      if (!health.ready) {
        // After a reboot or Docker restart the node may just be stopped: start
        // it rather than throw away the cluster (and Keycloak's database).
        repair = container && !container.running ? 'start' : 'recreate';
        io.progress(
          repair === 'start'
            ? `${name} exists but its node is stopped; starting it`
            : `${name} exists but is not healthy (${health.detail}); recreating it`,
        );
        return undefined;
      }
      const published = container ? publishedHostPorts(container) : [];
      const missing = hostPortsOf(cfg, region).filter((p) => !published.includes(p));
      if (missing.length) {
        throw new LabError(
          `cluster ${name} exists with other host ports`,
          `it publishes ${published.join(', ') || 'nothing'}, this run needs ${hostPortsOf(cfg, region).join(', ')} (was LAB_PORT_OFFSET changed?)`,
          `npm run lab:down -- --target kind --regions ${region} && npm run lab:up -- --target kind`,
        );
      }
      return `exists and is healthy (${health.detail})`;
    },
    exec: async (run, io) => {
      if (repair === 'start') {
        await exec(startContainerArgs(node));
        const deadline = Date.now() + run.timeouts.restartMs;
        for (;;) {
          const health = await nodesReady(kubeContext(region));
          if (health.ready) return io.progress(`${name} is back (${health.detail})`);
          if (Date.now() > deadline || run.signal.aborted) break;
          await sleep(run.timeouts.pollMs);
        }
        io.progress(`${name} did not become Ready after a start; recreating it`);
        repair = 'recreate';
      }
      if (repair === 'recreate') await exec(deleteClusterArgs(name));
      await exec(create(run));
    },
  };
}

/** Keycloak's address as the other regions' istiods see it: the us-east node on the kind network. */
function nodeAddressStep(lane: Lane): Step {
  const container = controlPlaneContainer(clusterName(KEYCLOAK_REGION));
  return {
    id: `${lane}/node-address`,
    lane,
    region: lane === 'host' ? null : KEYCLOAK_REGION,
    title: () => `read the ${KEYCLOAK_REGION} node address on the kind network (other regions fetch JWKS there)`,
    command: () => inspectArgs(container),
    mutates: false,
    after: lane === 'host' ? [] : [`${KEYCLOAK_REGION}/cluster`],
    exec: async (run, io) => {
      // Re-read on every run: Docker may hand out new addresses after a restart.
      const node = await inspectContainer(container);
      if (!node?.kindNetworkIp) {
        throw new LabError(
          `no address for ${container} on the kind network`,
          node ? 'the container is not attached to the `kind` network' : `cluster ${clusterName(KEYCLOAK_REGION)} does not exist; the other regions trust its Keycloak`,
          `npm run lab:up -- --target kind --regions ${[...new Set([KEYCLOAK_REGION, ...run.cfg.regions])].join(',')}`,
        );
      }
      run.facts.keycloakNodeAddress = node.kindNetworkIp;
      io.progress(`${KEYCLOAK_REGION} node: ${node.kindNetworkIp}`);
    },
  };
}

function loadStep(region: Region, lane: Lane, image: PinnedImage): Step {
  const cluster = clusterName(region);
  const images = (run: KindRun) => {
    let p = run.nodeImages.get(region);
    if (!p) {
      p = nodeImages(controlPlaneContainer(cluster));
      run.nodeImages.set(region, p);
    }
    return p;
  };
  return {
    id: `${lane}/load/${image.ref}`,
    lane,
    region,
    title: () => `load ${image.ref} into ${cluster}`,
    command: () => loadImageArgs(image.ref, cluster),
    mutates: true,
    after: [`${region}/cluster`, `host/pull/${image.ref}`],
    check: async (run) => ((await images(run)).has(normalizeImage(image.ref)) ? 'already in the cluster' : undefined),
    exec: async (run) => {
      await exec(loadImageArgs(image.ref, cluster));
      (await images(run)).add(normalizeImage(image.ref));
    },
  };
}

function helmStep(region: Region, lane: Lane, key: HelmRelease['key'], releaseFor: (run: KindRun) => HelmRelease): Step {
  const context = kubeContext(region);
  /** What the check saw, so the install does not ask helm twice. */
  let seen: { state: Awaited<ReturnType<typeof releaseState>> } | undefined;
  const argv = (run: KindRun) => {
    const r = releaseFor(run);
    const hasValues = Object.keys(r.values).length > 0;
    return upgradeInstallArgs({
      release: r.release,
      chart: r.chart,
      repo: r.repo,
      version: r.version,
      namespace: r.namespace,
      createNamespace: r.createNamespace,
      kubeContext: context,
      set: r.set,
      valuesFile: hasValues ? run.paths.helmValues(region, r.release) : undefined,
    });
  };
  return {
    id: `${lane}/helm/${key}`,
    lane,
    region,
    title: (run) => {
      const r = releaseFor(run);
      return `helm ${r.release} (${r.repo ? r.chart : 'OCI chart'} ${r.version}) in ${r.namespace}`;
    },
    command: argv,
    mutates: true,
    prepare: async (run) => {
      const r = releaseFor(run);
      if (Object.keys(r.values).length) write(run.paths.helmValues(region, r.release), stringify(r.values, { lineWidth: 0 }));
    },
    check: async (run, io) => {
      const r = releaseFor(run);
      const state = await releaseState(r.release, r.namespace, context);
      seen = { state };
      if (!state) return undefined;
      if (state.status !== 'deployed' || state.chart !== r.chartLabel) {
        io.progress(`release is ${state.status} (${state.chart}); installing ${r.chartLabel}`);
        return undefined;
      }
      if (!sameJson(await releaseValues(r.release, r.namespace, context), userSuppliedValues(r))) {
        io.progress('values changed; upgrading');
        return undefined;
      }
      return `deployed at ${r.version}, values unchanged`;
    },
    exec: async (run, io) => {
      const r = releaseFor(run);
      // A Ctrl-C during helm leaves the release "pending-*", which blocks
      // every later upgrade ("another operation is in progress"). Clear it.
      const state = seen ? seen.state : await releaseState(r.release, r.namespace, context);
      if (state?.status === 'pending-install') {
        io.progress('an interrupted install left the release pending; removing it first');
        await exec(uninstallArgs(r.release, r.namespace, context));
      } else if (state?.status.startsWith('pending-')) {
        io.progress(`the release is ${state.status} after an interruption; rolling back first`);
        await exec(rollbackArgs(r.release, r.namespace, context));
      }
      await exec(argv(run));
    },
  };
}

function rolloutStep(region: Region, lane: Lane, namespace: string, resource: string, slow = false): Step {
  const context = kubeContext(region);
  const argv = (run: KindRun) =>
    rolloutStatusArgs(context, namespace, resource, slow ? run.timeouts.keycloakRollout : run.timeouts.rollout);
  return {
    id: `${lane}/rollout/${namespace}/${resource}`,
    lane,
    region,
    title: () => `wait for ${resource} in ${namespace}`,
    command: argv,
    mutates: false,
  };
}

function tlsSteps(region: Region): Step[] {
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

function manifestDeployments(docs: KubeDoc[]): Array<{ namespace: string; name: string }> {
  return docs
    .filter((d) => d.kind === 'Deployment')
    .map((d) => ({ namespace: d.metadata.namespace ?? 'default', name: d.metadata.name }));
}

/** Namespaces first, so one `kubectl apply` of the file creates them before their contents. */
function orderForApply(docs: KubeDoc[]): KubeDoc[] {
  return [...docs.filter((d) => d.kind === 'Namespace'), ...docs.filter((d) => d.kind !== 'Namespace')];
}

function manifestSteps(cfg: LabConfig, region: Region, nodeAddressStepId: string | undefined): Step[] {
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

function waitSteps(cfg: LabConfig, region: Region): Step[] {
  const https = cfg.ports[region].https;
  const probe = (path: string, expect: number, label: string): Step => {
    const url = `https://localhost:${https}${path}`;
    const argv = (run: KindRun) => [
      'curl', '--silent', '--ipv4', '--output', '/dev/null', '--write-out', '%{http_code}',
      '--max-time', '5', '--cacert', run.paths.tlsCert, url,
    ];
    return {
      id: `${region}/wait${path}`,
      lane: region,
      region,
      title: () => `wait until ${path} ${label} answers ${expect}`,
      command: argv,
      mutates: false,
      exec: (run, io) => waitForStatus({ run, io, region, url, expect, argv: argv(run) }),
    };
  };
  return [probe('/static/index.html', 200, '(public)'), probe('/api/books', 403, 'without a token')];
}

function keycloakSteps(cfg: LabConfig, opts: PlanOptions): Step[] {
  const region = KEYCLOAK_REGION;
  const lane: Lane = 'keycloak';
  const context = kubeContext(region);
  const loads = opts.noPreload ? [] : imagesFor(region).filter((i) => i.role === 'keycloak').map((i) => loadStep(region, lane, i));
  const secretsYaml = async (run: KindRun) => yamlStream(keycloakSecretDocs(cfg, run.secrets()));
  const secrets: Step = {
    id: 'keycloak/secrets',
    lane,
    region,
    title: () => 'apply namespace keycloak and its Secrets (admin password, realm placeholders, realm files) via stdin',
    command: () => applyArgs(context, '-', KEYCLOAK_NAMESPACE),
    mutates: true,
    after: [`${region}/cluster`],
    stdin: secretsYaml,
    check: async (run) => ((await unchanged(context, '-', await secretsYaml(run), KEYCLOAK_NAMESPACE)) ? 'applied and unchanged' : undefined),
  };
  const release = (run: KindRun) => keycloakRelease(cfg, run.dryRun ? 'lab-admin' : run.secrets().keycloakAdmin.username);
  const helm = helmStep(region, lane, 'keycloak', release);
  const rollouts = ['statefulset/keycloak-postgresql', 'statefulset/keycloak'].map((r) => rolloutStep(region, lane, 'keycloak', r, true));
  return [...loads, secrets, helm, ...rollouts];
}

function regionSteps(cfg: LabConfig, region: Region, opts: PlanOptions, nodeAddressStepId: string | undefined): Step[] {
  const steps: Step[] = [clusterStep(cfg, region, opts)];
  if (region === KEYCLOAK_REGION) steps.push(nodeAddressStep(region));
  if (!opts.noPreload) {
    for (const image of imagesFor(region).filter((i) => i.role !== 'keycloak')) steps.push(loadStep(region, region, image));
  }
  for (const release of istioReleases()) {
    steps.push(helmStep(region, region, release.key, () => release));
    for (const r of release.rollouts) steps.push(rolloutStep(region, region, release.namespace, r));
  }
  steps.push(...tlsSteps(region));
  steps.push(...manifestSteps(cfg, region, region === KEYCLOAK_REGION ? undefined : nodeAddressStepId));
  steps.push(...waitSteps(cfg, region));
  return steps;
}

/** Every step of `lab:up --target kind`, lanes in display order. */
export function planSteps(cfg: LabConfig, opts: PlanOptions): Step[] {
  const host: Step[] = opts.noPreload ? [] : imagesForRegions(cfg.regions).map(pullStep);
  const hasKeycloak = cfg.regions.includes(KEYCLOAK_REGION);
  const needsAddress = cfg.regions.some((r) => r !== KEYCLOAK_REGION);
  let nodeAddressId: string | undefined;
  if (needsAddress) {
    if (hasKeycloak) nodeAddressId = `${KEYCLOAK_REGION}/node-address`;
    else {
      const s = nodeAddressStep('host');
      host.push(s);
      nodeAddressId = s.id;
    }
  }
  const steps = [...host];
  for (const region of cfg.regions) {
    steps.push(...regionSteps(cfg, region, opts, nodeAddressId));
    if (region === KEYCLOAK_REGION) steps.push(...keycloakSteps(cfg, opts));
  }
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id)) throw new Error(`duplicate step id ${s.id}`);
    ids.add(s.id);
  }
  for (const s of steps) for (const a of s.after ?? []) if (!ids.has(a) && !a.startsWith('host/pull/')) throw new Error(`${s.id} waits for unknown step ${a}`);
  return steps.map((s) => ({ ...s, after: (s.after ?? []).filter((a) => ids.has(a)) }));
}

export type { StepIo };
