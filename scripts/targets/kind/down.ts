// `lab:down --target kind`: delete the lab's clusters (found by name AND by
// kind's container label, so a half-created cluster goes too), stop the
// processes the lab started, remove the lab's state. Running it twice is fine.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REGIONS, clusterName, type LabConfig } from '../../core/config.js';
import { LabError } from '../../core/errors.js';
import { info, printJson } from '../../core/log.js';
import { run } from '../../core/proc.js';
import { LAB_BOUND_STATE, stateDir } from '../../core/paths.js';
import { startDockerFix } from '../../preflight/docker.js';
import { dockerEngine, kindContainers, removeContainersArgs } from '../../tools/docker.js';
import { deleteClusterArgs, kindClusters } from '../../tools/kind.js';
import type { TargetOptions } from '../types.js';
import { kindPaths } from './paths.js';
// One pid-record mechanism for the whole lab: identity-checked (command line
// and start time), whole process group, SIGKILL after a grace period.
import { readRecords, removeRecord, stopRecorded } from '../local/processes.js';

export async function down(cfg: LabConfig, opts: TargetOptions): Promise<number> {
  const ours = new Set(cfg.regions.map(clusterName));
  const paths = kindPaths();
  const everything = REGIONS.every((r) => cfg.regions.includes(r));
  // The kind folder (all of it, or just these regions'). What belongs to the
  // running lab (its secrets, cached tokens, break records) goes too unless
  // the local target still uses it; tutorial progress stays.
  const root = stateDir();
  const shared = existsSync(join(root, 'local')) ? [] : LAB_BOUND_STATE.map((n) => join(root, n));
  const stateToRemove = everything ? [paths.root, ...shared] : cfg.regions.map((r) => paths.region(r));

  if (opts.dryRun) {
    const plan = [
      ...[...ours].map((n) => ({ region: null, title: `delete kind cluster ${n} (if it exists)`, command: deleteClusterArgs(n) })),
      { region: null, title: 'stop processes recorded in pid files', command: ['kill', `<pids from ${paths.pidDir}>`] },
      { region: null, title: 'remove lab state', command: ['rm', '-rf', ...stateToRemove] },
    ];
    if (opts.json) printJson(plan);
    else plan.forEach((p) => info(`${p.title}\n  $ ${p.command.join(' ')}`));
    return 0;
  }

  const log: string[] = [];
  // Processes first: a port-forward into a cluster we delete would only complain.
  for (const rec of readRecords(paths.pidDir)) {
    const outcome = await stopRecorded(rec, 5_000);
    removeRecord(paths.pidDir, rec.name);
    log.push(
      outcome === 'not-ours'
        ? `pid ${rec.pid} now belongs to another program: left alone`
        : outcome === 'not-running'
          ? `pid ${rec.pid} already gone`
          : `stopped pid ${rec.pid} (${rec.name})`,
    );
  }

  const { engine, error } = await dockerEngine();
  if (!engine) {
    throw new LabError('cannot remove the kind clusters: the Docker engine does not answer', (error ?? '').split('\n')[0] ?? '', `${startDockerFix()}; then: npm run lab:down -- --target kind`);
  }
  const byName = (await kindClusters()).filter((n) => ours.has(n));
  const byLabel = (await kindContainers()).filter((c) => ours.has(c.cluster)).map((c) => c.cluster);
  const targets = [...new Set([...byName, ...byLabel])].sort();
  await Promise.all(
    targets.map(async (n) => {
      await run(deleteClusterArgs(n));
      log.push(`deleted cluster ${n}`);
    }),
  );
  // Anything kind left behind with our label (a node container from an aborted create).
  const leftovers = (await kindContainers()).filter((c) => ours.has(c.cluster));
  if (leftovers.length) {
    await run(removeContainersArgs(leftovers.map((c) => c.name)));
    log.push(`removed leftover containers ${leftovers.map((c) => c.name).join(', ')}`);
  }
  if (!targets.length) log.push('no lab clusters to delete');

  for (const dir of stateToRemove) rmSync(dir, { recursive: true, force: true });
  log.push('removed lab state');

  if (opts.json) printJson({ ok: true, clustersDeleted: targets, actions: log });
  else log.forEach((l) => info(`✔ ${l}`));
  return 0;
}
