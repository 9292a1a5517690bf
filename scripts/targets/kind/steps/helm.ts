// Helm steps: `upgrade --install` only when the release is missing, not
// deployed at the pinned version, or its values drifted; then the rollouts.
import { stringify } from 'yaml';
import { kubeContext, type Region } from '../../../core/config.js';
import { releaseState, releaseValues, rollbackArgs, uninstallArgs, upgradeInstallArgs } from '../../../tools/helm.js';
import { rolloutStatusArgs } from '../../../tools/kubectl.js';
import { sameJson, userSuppliedValues, type HelmRelease } from '../releases.js';
import type { KindRun, Lane, Step } from '../step.js';
import { exec, write } from './common.js';

export function helmStep(region: Region, lane: Lane, key: HelmRelease['key'], releaseFor: (run: KindRun) => HelmRelease): Step {
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

export function rolloutStep(region: Region, lane: Lane, namespace: string, resource: string, slow = false): Step {
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
