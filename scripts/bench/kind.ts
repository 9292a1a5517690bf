// Benchmark of `lab:up --target kind` on the FAKE toolchain (there is no
// Docker here): every docker/kind/helm/kubectl call sleeps a fixed delay, so
// the wall time measures the orchestration, i.e. how well regions overlap.
// Budgets (issue 2): three regions take at most 1.3 × one region's wall
// time, and image pulls equal the number of distinct images.
//
//   npx tsx scripts/bench/kind.ts            (BENCH_KIND_DELAY_MS, default 1000)
// Real kind/helm calls take seconds; at 1 s the fakes' own start-up (~0.1 s of
// CPU per call, five lanes sharing two cores) stays a small share, as the
// orchestration's overhead is next to real tools. LAB_KIND_TEST_PORT_OFFSET
// picks the host ports (default: the first free of 17000, 17500, 16500).
import { join } from 'node:path';
import { REGIONS, type Region } from '../core/config.js';
import { run } from '../core/proc.js';
import { REPO_ROOT } from '../core/paths.js';
import { imagesForRegions } from '../targets/kind/images.js';
import { makeFakeLab, pickTestOffset } from '../../test/fake-toolchain/index.js';

interface Sample {
  regions: Region[];
  seconds: number;
  calls: number;
  pulls: number;
  distinctPulls: number;
  distinctImages: number;
  loads: number;
}

async function measure(regions: Region[], delayMs: number, offset: number): Promise<Sample> {
  const lab = makeFakeLab({ offset, delayMs, env: { LAB_KIND_POLL_SECONDS: '0.1' } });
  try {
    const started = Date.now();
    const r = await run(
      [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'scripts', 'lab.ts'), 'up', '--target', 'kind', '--regions', regions.join(','), '--json'],
      { cwd: REPO_ROOT, env: { ...process.env, ...lab.env }, reject: false, timeoutMs: 900_000 },
    );
    const seconds = (Date.now() - started) / 1000;
    if (r.exitCode !== 0) throw new Error(`lab:up failed for ${regions.join(',')}:\n${r.stderr.slice(-2000)}`);
    const calls = lab.calls();
    const pulls = calls.filter((c) => c.tool === 'docker' && c.args[0] === 'pull').map((c) => c.args[1]!);
    return {
      regions,
      seconds,
      calls: calls.length,
      pulls: pulls.length,
      distinctPulls: new Set(pulls).size,
      distinctImages: imagesForRegions(regions).length,
      loads: calls.filter((c) => c.tool === 'kind' && c.args[0] === 'load').length,
    };
  } finally {
    await run([process.execPath, '--import', 'tsx', join(REPO_ROOT, 'scripts', 'lab.ts'), 'down', '--target', 'kind'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...lab.env },
      reject: false,
    });
    lab.cleanup();
  }
}

async function main(): Promise<number> {
  const delayMs = Number(process.env.BENCH_KIND_DELAY_MS ?? 1000);
  const offset = await pickTestOffset();
  process.stdout.write(`kind lab:up on the fake toolchain, ${delayMs} ms per docker/kind/helm/kubectl call (offset ${offset}; not a real cluster)\n`);
  const one = await measure(['us-east'], delayMs, offset);
  const three = await measure([...REGIONS], delayMs, offset);
  const ratio = three.seconds / one.seconds;
  for (const s of [one, three]) {
    process.stdout.write(
      `  ${s.regions.join(',').padEnd(25)} ${s.seconds.toFixed(1).padStart(6)} s  ${String(s.calls).padStart(4)} calls  ` +
        `pulls ${s.pulls} (distinct ${s.distinctPulls}, images ${s.distinctImages})  kind loads ${s.loads}\n`,
    );
  }
  const pullsOk = [one, three].every((s) => s.pulls === s.distinctImages && s.distinctPulls === s.distinctImages);
  process.stdout.write(`  3 regions / 1 region = ${ratio.toFixed(2)}  (budget ≤ 1.30) ${ratio <= 1.3 ? 'OK' : 'OVER'}\n`);
  process.stdout.write(`  image pulls == distinct images: ${pullsOk ? 'OK' : 'NO'}\n`);
  return ratio <= 1.3 && pullsOk ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
