// The per-invocation context the steps share: config, paths, run-time facts,
// timeouts (overridable for tests), and the abort signal Ctrl-C trips.
import type { LabConfig } from '../../core/config.js';
import { ensureSecrets, type LabSecrets } from '../../core/secrets.js';
import { kindPaths } from './paths.js';
import type { KindRun } from './step.js';

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  const n = raw ? Number(raw) : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function makeRun(cfg: LabConfig, o: { dryRun: boolean; signal?: AbortSignal; env?: NodeJS.ProcessEnv }): KindRun {
  const env = o.env ?? process.env;
  let secrets: LabSecrets | undefined;
  return {
    cfg,
    paths: kindPaths(env),
    dryRun: o.dryRun,
    facts: { tlsSecretYaml: {} },
    secrets: () => {
      if (o.dryRun) throw new Error('a dry-run never reads or creates secrets');
      return (secrets ??= ensureSecrets({ env }));
    },
    nodeImages: new Map(),
    signal: o.signal ?? new AbortController().signal,
    timeouts: {
      clusterWait: `${seconds(env, 'LAB_KIND_CLUSTER_WAIT_SECONDS', 180)}s`,
      restartMs: seconds(env, 'LAB_KIND_RESTART_SECONDS', 90) * 1000,
      rollout: `${seconds(env, 'LAB_KIND_ROLLOUT_SECONDS', 300)}s`,
      keycloakRollout: `${seconds(env, 'LAB_KIND_KEYCLOAK_ROLLOUT_SECONDS', 600)}s`,
      readyMs: seconds(env, 'LAB_KIND_READY_SECONDS', 300) * 1000,
      pollMs: seconds(env, 'LAB_KIND_POLL_SECONDS', 2) * 1000,
    },
  };
}
