// `lab up`: parse the common options, then hand over to the target.
import { parse, configFrom } from '../../core/cli.js';
import { loadTarget } from '../../targets/index.js';

const HELP = `usage: npm run lab:up -- [--target kind|local] [--regions a,b] [--dry-run] [--json] [--no-preload]`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse('up', argv, { 'no-preload': { type: 'boolean', default: false } });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const cfg = await configFrom(values, { quiet: Boolean(values.json) });
  const target = await loadTarget(cfg.target);
  return target.up(cfg, {
    dryRun: Boolean(values['dry-run']),
    json: Boolean(values.json),
    noPreload: Boolean(values['no-preload']),
  });
}
