// The Keycloak lane (us-east): its images, its Secrets via stdin, the OCI
// chart, and the StatefulSet rollouts.
import { KEYCLOAK_REGION, kubeContext, type LabConfig } from '../../../core/config.js';
import { applyArgs, unchanged } from '../../../tools/kubectl.js';
import { imagesFor } from '../images.js';
import { KEYCLOAK_NAMESPACE, keycloakSecretDocs, yamlStream } from '../keycloak.js';
import type { PlanOptions } from '../planner.js';
import { keycloakRelease } from '../releases.js';
import type { KindRun, Lane, Step } from '../step.js';
import { helmStep, rolloutStep } from './helm.js';
import { loadStep } from './images.js';

export function keycloakSteps(cfg: LabConfig, opts: PlanOptions): Step[] {
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
