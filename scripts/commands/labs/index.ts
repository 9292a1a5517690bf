// `npm run labs [-- <id>...] [--target] [--region] [--json] [--junit <file>] [--real-expiry]`
import { writeFileSync } from 'node:fs';
import { parse, configFrom } from '../../core/cli.js';
import { LabError } from '../../core/errors.js';
import { info, printJson } from '../../core/log.js';
import { LABS } from '../../../labs/index.js';
import { runLabs } from '../../labs/runner.js';
import { planLabs } from '../../labs/plan.js';
import { assertLabUp } from '../../labs/preflight.js';
import { formatDetails, formatTable, summaryLine, toJson } from '../../labs/report.js';
import { toJunit } from '../../labs/junit.js';
import type { LabDefinition } from '../../labs/types.js';

const HELP = `usage: npm run labs -- [<lab-id>...] [options]

Runs the scripted curl labs against the running lab and checks every answer
against what real Istio 1.23.2 and Keycloak 24.0.5 do.

options:
  --target kind|local   which lab to test (default: kind when Docker answers, else local)
  --region r1,r2        regions to run in (default: all the lab was brought up with)
  --json                print a JSON array of results on stdout
  --junit <file>        also write JUnit XML
  --real-expiry         expired-token waits for a real 5 s Keycloak token to be refused (~70 s)
  --natural-refresh     key-rotation waits for the gateway's own JWKS refresh instead of forcing it
  --list                list the labs and exit
  --dry-run             print the requests each lab would make, run nothing

labs: ${LABS.map((l) => l.id).join(', ')}`;

export function selectLabs(ids: string[], all: LabDefinition[] = LABS): LabDefinition[] {
  if (ids.length === 0) return all;
  const unknown = ids.filter((id) => !all.some((l) => l.id === id));
  if (unknown.length) {
    throw new LabError(`unknown lab ${unknown.map((u) => `"${u}"`).join(', ')}`, `the labs are: ${all.map((l) => l.id).join(', ')}`, 'npm run labs -- --list', 2);
  }
  // Keep the teaching order whatever order they were named in.
  return all.filter((l) => ids.includes(l.id));
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('labs', argv, {
    junit: { type: 'string' },
    'real-expiry': { type: 'boolean', default: false },
    'natural-refresh': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (values.list) {
    for (const l of LABS) info(`${l.id.padEnd(22)} ${l.title}`);
    return 0;
  }
  const labs = selectLabs(positionals);
  const cfg = await configFrom(values, { quiet: Boolean(values.json) });

  if (values['dry-run']) {
    const planned = planLabs(labs, cfg);
    if (values.json) printJson(planned);
    else for (const p of planned) info(`${p.id} [${p.region}] ${p.step}\n  ${p.command}`);
    return 0;
  }

  await assertLabUp(cfg);
  const started = Date.now();
  info(`running ${labs.length} lab(s) on the ${cfg.target} target, regions ${cfg.regions.join(', ')}…`);
  const results = await runLabs({
    cfg,
    labs,
    realExpiry: Boolean(values['real-expiry']),
    naturalRefresh: Boolean(values['natural-refresh']),
    onResult: (r) => info(`  ${r.skipped ? 'skip' : r.pass ? 'pass' : 'FAIL'}  ${r.id} [${r.region}] ${r.durationMs} ms`),
  });
  const wall = Date.now() - started;

  if (values.junit) writeFileSync(values.junit, toJunit(results, { target: cfg.target, wallMs: wall }));
  if (values.json) printJson(toJson(results));
  else {
    info('');
    info(formatTable(results));
    info(formatDetails(results, labs));
    info('');
  }
  info(summaryLine(results, wall));
  return results.some((r) => !r.skipped && !r.pass) ? 1 : 0;
}
