// `npm run bench [-- <name>...]`: runs the benchmark scripts one after another
// (never in parallel: they measure wall time on a 2-core machine) and prints
// each one's report. These are measurements, not tests; budgets are printed
// beside the numbers so a regression is visible.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../core/proc.js';
import { REPO_ROOT } from '../core/paths.js';

const BENCHES = ['kind', 'gateway', 'local-up', 'labs', 'reset'] as const;

async function main(argv: string[]): Promise<number> {
  const wanted = argv.length ? argv : [...BENCHES];
  let failed = 0;
  for (const name of wanted) {
    const file = join(REPO_ROOT, 'scripts', 'bench', `${name}.ts`);
    if (!existsSync(file)) {
      process.stdout.write(`== ${name}: no benchmark script in this checkout\n`);
      continue;
    }
    process.stdout.write(`== ${name}\n`);
    const r = await run([process.execPath, '--import', 'tsx', file], { reject: false, cwd: REPO_ROOT });
    process.stdout.write(r.stdout);
    if (r.exitCode !== 0) {
      failed++;
      process.stdout.write(`(${name} exited ${r.exitCode})\n${r.stderr}\n`);
    }
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then((c) => (process.exitCode = c));
