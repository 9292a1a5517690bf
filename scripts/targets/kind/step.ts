// The unit of work of `lab:up --target kind`. The planner builds a list of
// these; the dry-run prints their commands and the executor runs the same
// objects, so the plan cannot drift from what really happens.
import type { LabConfig, Region } from '../../core/config.js';
import type { LabSecrets } from '../../core/secrets.js';
import type { KindPaths } from './paths.js';

/** Lanes run side by side; steps inside a lane run in order. */
export type Lane = 'host' | 'keycloak' | Region;

export interface KindRun {
  cfg: LabConfig;
  paths: KindPaths;
  dryRun: boolean;
  /** Values only known at run time. The dry-run shows placeholders instead. */
  facts: {
    keycloakNodeAddress?: string;
    /** Rendered TLS Secret YAML per region (from `kubectl create secret tls --dry-run=client`). */
    tlsSecretYaml: Partial<Record<Region, string>>;
  };
  /** Loaded on the first real step that needs them (never in a dry-run). */
  secrets(): LabSecrets;
  /** Images containerd already holds, per cluster, read once per run. */
  nodeImages: Map<Region, Promise<Set<string>>>;
  /** Made once per run, shared by every region. */
  tlsPair?: Promise<boolean>;
  signal: AbortSignal;
  timeouts: { clusterWait: string; restartMs: number; rollout: string; keycloakRollout: string; readyMs: number; pollMs: number };
}

export interface StepIo {
  /** A progress line for the step (listr shows it under the title). */
  progress(msg: string): void;
}

export interface Step {
  /** Unique and stable, e.g. `us-east/helm/istiod`. */
  id: string;
  lane: Lane;
  region: Region | null;
  title(run: KindRun): string;
  /** The argv this step runs; placeholders where a value is only known at run time. */
  command(run: KindRun): string[];
  /** Changes something (the idempotency test counts these). Waits and reads don't. */
  mutates: boolean;
  /** Ids of steps (in any lane) that must have finished first. */
  after?: string[];
  /** Writes the files the command reads (configs, values, rendered manifests). Real runs only. */
  prepare?(run: KindRun): Promise<void>;
  /** Content piped to the command (secrets travel this way, never on argv). */
  stdin?(run: KindRun): Promise<string>;
  /** A reason to skip when the desired state already holds; undefined means run. */
  check?(run: KindRun, io: StepIo): Promise<string | undefined>;
  /** Custom execution; the default runs `command` with `stdin`. */
  exec?(run: KindRun, io: StepIo): Promise<void>;
}

export interface PlanEntry {
  region: Region | null;
  title: string;
  command: string[];
}

export function planOf(steps: Step[], run: KindRun): PlanEntry[] {
  return steps.map((s) => ({ region: s.region, title: s.title(run), command: s.command(run) }));
}

/** Placeholder for the us-east node address in a dry-run. */
export const NODE_IP_PLACEHOLDER = '<us-east-node-ip>';
