// Preflight for the kind target: runs before anything is created and refuses
// to start when something would break half-way. Checks that cannot matter on
// a re-run (ports held by the lab's own clusters, inotify when every cluster
// exists) are skipped or satisfied by what already runs.
import { KEYCLOAK_REGION, clusterName, type LabConfig, type Region } from '../core/config.js';
import { inspectContainer, publishedHostPorts } from '../tools/docker.js';
import { controlPlaneContainer, kindClusters } from '../tools/kind.js';
import { dockerChecks } from './docker.js';
import { inotifyCheck, inotifyDir } from './inotify.js';
import { portChecks, type PortClaim } from './ports.js';
import { PreflightFailed, type CheckOutcome, type Problem } from './problem.js';
import { toolChecks } from './tools.js';

export { PreflightFailed, type CheckOutcome, type Problem };

export interface PreflightOptions {
  env?: NodeJS.ProcessEnv;
}

export interface PreflightReport {
  outcomes: CheckOutcome[];
  warnings: Problem[];
  /** Regions whose cluster already exists (reused or repaired by `up`). */
  existing: Region[];
}

function claimsFor(cfg: LabConfig, region: Region): PortClaim[] {
  const p = cfg.ports[region];
  const claims: PortClaim[] = [
    { port: p.https, purpose: `${region} gateway https` },
    { port: p.http, purpose: `${region} gateway http` },
  ];
  if (region === KEYCLOAK_REGION) claims.push({ port: cfg.keycloakPort, purpose: 'Keycloak' });
  return claims;
}

export async function runPreflight(cfg: LabConfig, opts: PreflightOptions = {}): Promise<PreflightReport> {
  const env = opts.env ?? process.env;
  const [docker, tools] = await Promise.all([dockerChecks(), toolChecks()]);
  const outcomes: CheckOutcome[] = [...docker.outcomes, ...tools];
  const kindOk = tools.find((t) => t.name === 'kind')?.status === 'ok';

  // Which of our clusters exist already? (Needs both Docker and kind.)
  const existing: Region[] = [];
  const published = new Map<Region, number[]>();
  if (docker.engine && kindOk) {
    const clusters = await kindClusters();
    for (const region of cfg.regions) {
      if (!clusters.includes(clusterName(region))) continue;
      existing.push(region);
      const node = await inspectContainer(controlPlaneContainer(clusterName(region)));
      published.set(region, node ? publishedHostPorts(node) : []);
    }
  }

  const toCreate = cfg.regions.filter((r) => !existing.includes(r));
  if (toCreate.length) outcomes.push(inotifyCheck(inotifyDir(env)));
  else outcomes.push({ name: 'inotify', status: 'skip', detail: 'every cluster exists already; nothing to create' });

  const claims = cfg.regions.flatMap((region) =>
    claimsFor(cfg, region).map((c) =>
      existing.includes(region) ? { ...c, ownedBy: { cluster: clusterName(region), published: published.get(region) ?? [] } } : c,
    ),
  );
  outcomes.push(...(await portChecks(cfg.host, claims)));

  const problems = outcomes.filter((o) => o.status === 'fail').map((o) => o.problem!);
  if (problems.length) throw new PreflightFailed(problems, outcomes);
  return { outcomes, warnings: outcomes.filter((o) => o.status === 'warn').map((o) => o.problem!), existing };
}
