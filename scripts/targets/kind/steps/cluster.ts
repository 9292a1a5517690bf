// The cluster step (create, reuse, restart or replace) and the lookup of the
// us-east node address the other regions fetch JWKS from.
import { KEYCLOAK_REGION, clusterName, kubeContext, type LabConfig, type Region } from '../../../core/config.js';
import { LabError } from '../../../core/errors.js';
import { inspectArgs, inspectContainer, publishedHostPorts, startContainerArgs } from '../../../tools/docker.js';
import { controlPlaneContainer, createClusterArgs, deleteClusterArgs, kindClusters } from '../../../tools/kind.js';
import { nodesReady } from '../../../tools/kubectl.js';
import { hostPortsOf, kindClusterConfig, kindConfigYaml } from '../cluster-config.js';
import type { PlanOptions } from '../planner.js';
import type { KindRun, Lane, Step } from '../step.js';
import { exec, sleep, write } from './common.js';

export function clusterStep(cfg: LabConfig, region: Region, opts: PlanOptions): Step {
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
export function nodeAddressStep(lane: Lane): Step {
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
