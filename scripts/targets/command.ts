// The shared body of `lab up|down|status|reset`: parse the common options plus
// one command-specific flag, build the config, hand over to the target.
import { parse, configFrom } from '../core/cli.js';
import { loadTarget } from './index.js';
import type { Target, TargetOptions } from './types.js';

type Verb = keyof Target;

/** A boolean flag a verb adds, and which TargetOptions field it fills. */
interface VerbFlag {
  flag: string;
  field: 'noPreload' | 'progress';
}

export function targetCommand(verb: Verb, extra?: VerbFlag) {
  const help =
    `usage: npm run lab:${verb} -- [--target kind|local] [--regions a,b] [--dry-run] [--json]` +
    (extra ? ` [--${extra.flag}]` : '');
  return async function run(argv: string[]): Promise<number> {
    const flags = extra ? { [extra.flag]: { type: 'boolean' as const, default: false } } : {};
    const { values } = parse(verb, argv, flags);
    const v = values as Record<string, unknown>;
    if (v.help) {
      process.stdout.write(help + '\n');
      return 0;
    }
    const cfg = await configFrom(v, { quiet: Boolean(v.json) });
    const opts: TargetOptions = { dryRun: Boolean(v['dry-run']), json: Boolean(v.json) };
    if (extra) opts[extra.field] = Boolean(v[extra.flag]);
    const target = await loadTarget(cfg.target);
    return target[verb](cfg, opts);
  };
}
