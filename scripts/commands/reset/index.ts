// `lab reset`: parse the common options, then hand over to the target.
import { parse, configFrom } from '../../core/cli.js';
import { loadTarget } from '../../targets/index.js';

const HELP = `usage: npm run lab:reset -- [--target kind|local] [--regions a,b] [--dry-run] [--json] [--progress]`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse('reset', argv, { progress: { type: 'boolean', default: false } });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const cfg = await configFrom(values, { quiet: Boolean(values.json) });
  const target = await loadTarget(cfg.target);
  return target.reset(cfg, {
    dryRun: Boolean(values['dry-run']),
    json: Boolean(values.json),
    progress: Boolean(values.progress),
  });
}
