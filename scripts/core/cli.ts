// Shared option parsing. Every command takes the common options; each adds
// its own. Unknown options are an error that names the command's --help.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { makeConfig, parseRegions, type LabConfig, type TargetName } from './config.js';
import { LabError } from './errors.js';
import { setJsonMode } from './log.js';
import { resolveTarget } from './target.js';

export const COMMON_OPTIONS = {
  target: { type: 'string' },
  regions: { type: 'string' },
  region: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends OptionSpec>(command: string, argv: string[], extra: O) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...extra },
      allowPositionals: true,
      strict: true,
    });
    setJsonMode(Boolean((parsed.values as { json?: boolean }).json));
    return parsed;
  } catch (e) {
    throw new LabError(
      `bad arguments to \`lab ${command}\``,
      (e as Error).message,
      `npm run lab -- ${command} --help`,
      2,
    );
  }
}

export interface CommonValues {
  target?: string;
  regions?: string;
  region?: string;
  json?: boolean;
  'dry-run'?: boolean;
}

/** Turn --target/--regions/--region into a LabConfig, detecting the target when not given. */
export async function configFrom(values: CommonValues, opts: { quiet?: boolean } = {}): Promise<LabConfig> {
  let target: TargetName;
  if (values.target === 'kind' || values.target === 'local') target = values.target;
  else if (values.target === undefined) target = await resolveTarget({ quiet: opts.quiet ?? false });
  else throw new LabError(`unknown target "${values.target}"`, 'targets are kind and local', 'pass --target kind or --target local', 2);
  let regions;
  try {
    regions = parseRegions(values.region ?? values.regions);
  } catch (e) {
    throw new LabError('bad --regions', (e as Error).message, 'npm run lab:up -- --regions us-east,eu-west', 2);
  }
  return makeConfig({ target, regions });
}
