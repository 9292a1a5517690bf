// `lab:up --target kind`: plan → (dry-run: print) → preflight → execute.
import { KEYCLOAK_REGION, gatewayUrl, keycloakPublicUrl, type LabConfig } from '../../core/config.js';
import { info, printJson, warn } from '../../core/log.js';
import { secretsDir } from '../../core/secrets.js';
import { runPreflight } from '../../preflight/index.js';
import type { TargetOptions } from '../types.js';
import { executeSteps, laneTitle, type Renderer, type StepResult } from './executor.js';
import { planSteps } from './planner.js';
import { makeRun } from './run-context.js';
import { planOf } from './step.js';

const RESUME = 'npm run lab:up -- --target kind';

function renderer(opts: TargetOptions): Renderer {
  if (opts.json) return 'silent';
  return process.stdout.isTTY ? 'default' : 'simple';
}

function printPlanText(plan: ReturnType<typeof planOf>): void {
  info('Plan (dry-run: nothing is checked or changed; a real run skips steps already done):');
  plan.forEach((p, i) => info(`${String(i + 1).padStart(3)}. [${p.region ?? 'host'}] ${p.title}\n       $ ${p.command.join(' ')}`));
}

function summary(cfg: LabConfig, results: StepResult[], interrupted: boolean): number {
  const failed = results.filter((r) => r.status === 'failed');
  const count = (s: StepResult['status']) => results.filter((r) => r.status === s).length;
  info(`\n${count('done')} done, ${count('skipped')} already in place, ${failed.length} failed, ${count('not-run') + count('interrupted')} not run`);
  if (interrupted) {
    warn(`interrupted. Everything finished so far stays; to continue: ${RESUME}`);
    return 130;
  }
  if (failed.length) {
    for (const f of failed) {
      warn(`[${f.region ?? 'host'}] ${f.title}\n    ${f.error ?? 'failed'}${f.fix ? `\n    fix: ${f.fix}` : ''}`);
    }
    warn(`after fixing, rerun (finished steps are skipped): ${RESUME}`);
    return 1;
  }
  info('\nThe lab is up:');
  for (const r of cfg.regions) info(`  ${r.padEnd(9)} ${gatewayUrl(cfg, r)}/static/index.html   ${gatewayUrl(cfg, r)}/api/books`);
  if (cfg.regions.includes(KEYCLOAK_REGION)) {
    info(`  keycloak  ${keycloakPublicUrl(cfg)}   admin console ${keycloakPublicUrl(cfg)}/admin/ (credentials: ${secretsDir()}/secrets.json)`);
  }
  info(`  TLS: the gateways use a per-lab self-signed certificate; curl --cacert ${makeRun(cfg, { dryRun: true }).paths.tlsCert} …`);
  info('  next: npm run labs -- --target kind   ·   npm run lab:status -- --target kind');
  return 0;
}

export async function up(cfg: LabConfig, opts: TargetOptions): Promise<number> {
  const planOpts = { noPreload: Boolean(opts.noPreload), nodeImage: process.env.LAB_KIND_NODE_IMAGE || undefined };
  const steps = planSteps(cfg, planOpts);

  if (opts.dryRun) {
    const plan = planOf(steps, makeRun(cfg, { dryRun: true }));
    if (opts.json) printJson(plan);
    else printPlanText(plan);
    return 0;
  }

  const report = await runPreflight(cfg);
  for (const w of report.warnings) warn(`${w.what}: ${w.why}\n  fix: ${w.fix}`);
  if (report.existing.length) info(`existing lab clusters: ${report.existing.join(', ')} (checked and reused where healthy)`);

  const controller = new AbortController();
  let presses = 0;
  const onInt = () => {
    presses++;
    if (presses > 1) {
      warn(`stopped hard. To continue: ${RESUME}`);
      process.exit(130);
    }
    warn('Ctrl-C: stopping after the commands in flight (press again to stop now)');
    controller.abort();
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onInt);
  try {
    const run = makeRun(cfg, { dryRun: false, signal: controller.signal });
    const started = Date.now();
    const results = await executeSteps(steps, run, renderer(opts));
    const code = summary(cfg, results, controller.signal.aborted);
    if (opts.json) {
      printJson({
        ok: code === 0,
        interrupted: controller.signal.aborted,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        steps: results.map((r) => ({ ...r, lane: laneTitle(steps.find((s) => s.id === r.id)!.lane) })),
      });
    }
    return code;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onInt);
  }
}
