// lab:reset on kind, without recreating clusters or restarting Keycloak:
// objects a break labelled are deleted, the baseline manifests re-applied in
// every region, the realms re-created through the admin API on Keycloak's
// host port, then we wait until each gateway accepts a fresh token (istiod
// only re-fetches keys on its own interval). Planned to stay under 60 s.
import { KEYCLOAK_REGION, PRIMARY_REALM, clusterName, kubeContext, type LabConfig, type Region } from '../core/config.js';
import { LabError } from '../core/errors.js';
import { info } from '../core/log.js';
import { renderManifests, toYaml } from '../manifests/index.js';
import { inspectContainer } from '../tools/docker.js';
import { controlPlaneContainer } from '../tools/kind.js';
import type { TargetOptions } from '../targets/types.js';
import { LAB_BREAK_LABEL } from '../tutorial/break/patches.js';
import { clearBreakState } from '../tutorial/break/state.js';
import { clearProgress } from '../tutorial/progress.js';
import { gatewayRequest, makeLabServices } from '../tutorial/lab-services.js';
import { kubectl } from '../tutorial/views/kind.js';
import { recreateRealms } from './realms.js';
import { ResetReport } from './report.js';

const SECURITY_KINDS = 'requestauthentications.security.istio.io,authorizationpolicies.security.istio.io';

export function kindResetPlan(cfg: LabConfig): string[][] {
  return cfg.regions.flatMap((r) => [
    ['kubectl', '--context', kubeContext(r), 'delete', SECURITY_KINDS, '-A', '-l', LAB_BREAK_LABEL, '--ignore-not-found'],
    ['kubectl', '--context', kubeContext(r), 'apply', '-f', '-'],
  ]);
}

async function baselineYaml(cfg: LabConfig, region: Region): Promise<string> {
  const addr = region === KEYCLOAK_REGION ? undefined : (await inspectContainer(controlPlaneContainer(clusterName(KEYCLOAK_REGION))))?.kindNetworkIp;
  if (region !== KEYCLOAK_REGION && !addr) {
    throw new LabError(`no address for the ${KEYCLOAK_REGION} node`, `the ${region} gateway fetches JWKS from it`, 'npm run lab:up -- --target kind');
  }
  return toYaml(renderManifests(cfg, region, { keycloakNodeAddress: addr }));
}

export async function resetKind(cfg: LabConfig, opts: TargetOptions): Promise<number> {
  if (opts.dryRun) {
    info(['lab:reset plan (kind):', ...kindResetPlan(cfg).map((a) => `  ${a.join(' ')}`), '  admin API: delete and re-create realms from realms/*.json', '  wait until every gateway accepts a fresh token (istiod JWKS refresh)'].join('\n'));
    return 0;
  }
  const report = new ResetReport(opts.json);
  if (!opts.json) info(`lab:reset (kind, ${cfg.regions.join(', ')})`);
  await report.time('manifests re-applied, break objects deleted', () =>
    Promise.all(
      cfg.regions.map(async (region) => {
        const del = await kubectl(region, ['delete', SECURITY_KINDS, '-A', '-l', LAB_BREAK_LABEL, '--ignore-not-found']);
        if (del.exitCode !== 0) throw new LabError(`kubectl delete in ${kubeContext(region)} failed`, del.stderr.trim(), 'npm run lab:status -- --target kind');
        const apply = await kubectl(region, ['apply', '-f', '-'], await baselineYaml(cfg, region));
        if (apply.exitCode !== 0) throw new LabError(`kubectl apply in ${kubeContext(region)} failed`, apply.stderr.trim(), 'npm run lab:up -- --target kind');
      }),
    ),
  );
  await report.time('realms re-created from realms/*.json', () => recreateRealms(cfg), (r) => r.join(', '));
  const lab = await makeLabServices(cfg);
  await report.time('every gateway accepts a fresh token', async () => {
    const token = await lab.token({ realm: PRIMARY_REALM, client: 'admin-portal', user: 'demo-user' });
    const deadline = Date.now() + ((await lab.view.jwksRefreshSeconds(cfg.regions[0]!)) + 20) * 1000;
    for (const region of cfg.regions) {
      for (;;) {
        const a = await gatewayRequest(cfg, region, '/api/books', { token });
        if (a.status === 200) break;
        if (Date.now() > deadline) throw new LabError(`the ${region} gateway still refuses a fresh token`, `${a.status} ${a.body.trim()}`, 'npm run lab -- doctor --user demo-user --client admin-portal');
        await lab.sleep(2_000);
      }
    }
  });
  await report.time('records cleared', async () => {
    clearBreakState();
    return opts.progress ? clearProgress() : false;
  });
  report.finish('kind', opts.json);
  return 0;
}
