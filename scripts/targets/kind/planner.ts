// Builds the step list for `lab:up --target kind`: what runs, in which lane,
// after what. The dry-run prints these steps' commands; the executor runs the
// same steps (each knows how to tell it is already done). The builders live
// in ./steps/.
import { KEYCLOAK_REGION, type LabConfig, type Region } from '../../core/config.js';
import { imagesFor, imagesForRegions } from './images.js';
import { istioReleases } from './releases.js';
import type { Step } from './step.js';
import { manifestSteps, tlsSteps } from './steps/apply.js';
import { clusterStep, nodeAddressStep } from './steps/cluster.js';
import { helmStep, rolloutStep } from './steps/helm.js';
import { loadStep, pullStep } from './steps/images.js';
import { keycloakSteps } from './steps/keycloak.js';
import { waitSteps } from './steps/wait.js';

export interface PlanOptions {
  noPreload: boolean;
  /** A kindest/node image to use instead of kind's default (LAB_KIND_NODE_IMAGE). */
  nodeImage?: string;
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
  for (const s of steps) for (const a of s.after ?? []) if (!ids.has(a)) throw new Error(`${s.id} waits for unknown step ${a}`);
  return steps;
}
