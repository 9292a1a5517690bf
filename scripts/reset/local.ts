// lab:reset on the local target, without restarting Keycloak or any process:
// realms re-created through the admin API, every running gateway handed its
// baseline policies over its control channel and told to re-fetch its keys,
// break records cleared (tutorial progress only with --progress).
import { REGIONS, type LabConfig, type Region } from '../core/config.js';
import { LabError } from '../core/errors.js';
import { info } from '../core/log.js';
import { renderManifests } from '../manifests/index.js';
import { localLayout } from '../targets/local/layout.js';
import { readRecords } from '../targets/local/processes.js';
import { gatewayName } from '../targets/local/services.js';
import type { TargetOptions } from '../targets/types.js';
import { securityDocs } from '../tutorial/break/patches.js';
import { clearBreakState } from '../tutorial/break/state.js';
import { clearProgress } from '../tutorial/progress.js';
import { GatewayControl } from '../gateway/control-client.js';
import { recreateRealms } from './realms.js';
import { ResetReport } from './report.js';

/** Regions whose gateway this lab started (a lab may run fewer than cfg.regions). */
export function runningRegions(cfg: LabConfig): Region[] {
  const names = new Set(readRecords(localLayout().pids).map((r) => r.name));
  return REGIONS.filter((r) => cfg.regions.includes(r) && names.has(gatewayName(r)));
}

export async function resetLocal(cfg: LabConfig, opts: TargetOptions): Promise<number> {
  const regions = runningRegions(cfg);
  if (!regions.length) {
    throw new LabError('the local lab is not running', 'no gateway process is recorded in the state dir', 'npm run lab:up -- --target local');
  }
  if (opts.dryRun) {
    info(
      [
        'lab:reset plan (local):',
        '  1. delete and re-create realms bookstore-platform, tenant-globex from realms/*.json (admin API)',
        ...regions.map((r) => `  2. ${r}: give the running gateway its baseline policies, then re-fetch JWKS`),
        '  3. clear break records' + (opts.progress ? ' and tutorial progress' : ''),
      ].join('\n'),
    );
    return 0;
  }
  const report = new ResetReport(opts.json);
  if (!opts.json) info(`lab:reset (local, ${regions.join(', ')})`);
  // Realms and gateway policies are independent: do them at once. Keys are
  // re-fetched after the realms exist again, so the gateways hold the baseline kids.
  const controls = regions.map((region) => new GatewayControl(region));
  await Promise.all([
    report.time('realms re-created from realms/*.json', () => recreateRealms(cfg), (r) => r.join(', ')),
    report.time(
      'gateways: baseline policies',
      () =>
        Promise.all(
          controls.map(async (control) => {
            const r = await control.setPolicies(securityDocs(renderManifests(cfg, control.region)), 'baseline (lab:reset)');
            if (!r.applied) throw new LabError(`the ${control.region} gateway refused the baseline policies`, (r.errors ?? []).join('; '), 'npm run lab -- lint');
          }),
        ),
      () => regions.join(', '),
    ),
  ]);
  await report.time('gateways: JWKS re-fetched', () => Promise.all(controls.map((c) => c.refreshJwks())), () => regions.join(', '));
  await report.time('records cleared', async () => {
    clearBreakState();
    return opts.progress ? clearProgress() : false;
  }, (cleared) => (opts.progress ? (cleared ? 'breaks, tutorial progress' : 'breaks (no tutorial progress to clear)') : 'breaks (tutorial progress kept; --progress clears it)'));
  report.finish('local', opts.json, { regions });
  return 0;
}
