// Benchmark: the whole lab suite (no --real-expiry) on the local target.
// Budget: 20 s wall time. Uses the lab at LAB_PORT_OFFSET / LAB_STATE_DIR
// when it is up; otherwise brings one up for the measurement and takes it
// down again. Each run is a fresh `npm run labs` process, as a learner runs it.
//
//   npx tsx scripts/bench/labs.ts [--runs N]
import { join } from 'node:path';
import { request } from 'undici';
import { keycloakPublicUrl, makeConfig } from '../core/config.js';
import { REPO_ROOT } from '../core/paths.js';
import { run } from '../core/proc.js';

const BUDGET_S = 20;

interface Row {
  id: string;
  region: string;
  pass: boolean | null;
  skipped?: boolean;
  durationMs: number;
  error?: string;
  steps?: Array<{ name: string; pass: boolean; failures?: string[] }>;
}

async function up(url: string): Promise<boolean> {
  try {
    const r = await request(`${url}/realms/bookstore-platform`, { headersTimeout: 2000 });
    await r.body.dump();
    return r.statusCode === 200;
  } catch {
    return false;
  }
}

const lab = (args: string[]) =>
  run([process.execPath, '--import', 'tsx', join(REPO_ROOT, 'scripts', 'lab.ts'), ...args], { cwd: REPO_ROOT, reject: false, timeoutMs: 600_000, env: { LAB_TARGET: 'local' } });

async function main(argv: string[]): Promise<number> {
  const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 0) || 3;
  const cfg = makeConfig({ target: 'local' });
  let started = false;
  if (!(await up(keycloakPublicUrl(cfg)))) {
    process.stdout.write(`no local lab at ${keycloakPublicUrl(cfg)}: bringing one up for the benchmark…\n`);
    const u = await lab(['up', '--target', 'local']);
    if (u.exitCode !== 0) {
      process.stdout.write(`lab:up failed:\n${u.stderr}\n`);
      return 1;
    }
    started = true;
  }
  try {
    const walls: number[] = [];
    let last: Row[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = Date.now();
      const r = await lab(['labs', '--target', 'local', '--json']);
      const wall = (Date.now() - t0) / 1000;
      walls.push(wall);
      try {
        last = JSON.parse(r.stdout) as Row[];
      } catch {
        process.stdout.write(`run ${i + 1}: no JSON (exit ${r.exitCode})\n${r.stderr}\n`);
        return 1;
      }
      const ran = last.filter((x) => !x.skipped);
      const failed = ran.filter((x) => !x.pass);
      process.stdout.write(`run ${i + 1}: ${wall.toFixed(1)} s wall (process start to exit), ${ran.length - failed.length}/${ran.length} passed${failed.length ? `, FAILED: ${failed.map((f) => `${f.id}[${f.region}]`).join(' ')}` : ''}\n`);
      for (const f of failed) {
        const why = f.error ?? (f.steps ?? []).filter((s) => !s.pass).map((s) => `${s.name}: ${(s.failures ?? []).join('; ')}`).join(' | ');
        process.stdout.write(`  ${f.id}[${f.region}]: ${why}\n`);
      }
    }
    const byLab = new Map<string, number>();
    for (const r of last) byLab.set(r.id, Math.max(byLab.get(r.id) ?? 0, r.durationMs));
    const slowest = [...byLab].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const median = [...walls].sort((a, b) => a - b)[Math.floor(walls.length / 2)]!;
    process.stdout.write(`slowest labs (longest region, last run): ${slowest.map(([id, ms]) => `${id} ${(ms / 1000).toFixed(2)} s`).join(', ')}\n`);
    process.stdout.write(`labs suite: median ${median.toFixed(1)} s over ${runs} run(s) (min ${Math.min(...walls).toFixed(1)}, max ${Math.max(...walls).toFixed(1)}); budget ≤ ${BUDGET_S} s: ${median <= BUDGET_S ? 'OK' : 'OVER BUDGET'}\n`);
    return median <= BUDGET_S ? 0 : 1;
  } finally {
    if (started) await lab(['down', '--target', 'local']);
  }
}

main(process.argv.slice(2)).then((c) => (process.exitCode = c));
