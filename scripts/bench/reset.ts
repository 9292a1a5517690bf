// Benchmark of `lab:reset` on the local target (budget: 10 s on 2 cores).
// Brings up its own local lab in a temp state dir on LAB_PORT_OFFSET (default
// 4800 here), then times the reset CLI exactly as a user runs it:
//   - after a "dirty" round: a rotated key (tutorial rotate-key) and two
//     breaks (deny-all-shadowing, audience-mismatch) in place;
//   - after a clean round: nothing to undo.
// Prints each round, the median and the worst, then takes the lab down.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../core/paths.js';
import { run } from '../core/proc.js';
import { cachedKeycloak, ensureKeycloak } from '../targets/local/keycloak/fetch.js';

const BUDGET_S = 10;
const ROUNDS = Number(process.env.LAB_BENCH_RESET_ROUNDS ?? 5);
const offset = process.env.LAB_PORT_OFFSET ?? '4800';
const stateDir = mkdtempSync(join(tmpdir(), 'bench-reset-'));
const env = { LAB_PORT_OFFSET: offset, LAB_STATE_DIR: stateDir, LAB_TARGET: 'local' };

async function lab(args: string[]) {
  const began = Date.now();
  const r = await run([process.execPath, '--import', 'tsx', join(REPO_ROOT, 'scripts', 'lab.ts'), ...args], { env, cwd: REPO_ROOT, reject: false, timeoutMs: 600_000 });
  return { ...r, seconds: (Date.now() - began) / 1000 };
}

async function must(args: string[]) {
  const r = await lab(args);
  if (r.exitCode !== 0) throw new Error(`\`lab ${args.join(' ')}\` exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const line = (label: string, value: string, note = '') => process.stdout.write(`${label.padEnd(44)} ${value.padStart(9)}  ${note}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * CPU seconds a process has used (Linux /proc). Keycloak's CPU per reset does
 * not depend on what else the machine is doing, unlike wall time: on an idle
 * 2-core machine the reset cannot be faster than its CPU / 2, and is rarely
 * much slower than its CPU.
 */
function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  if (!cachedKeycloak()) {
    process.stdout.write('Keycloak not cached: fetching first (not part of the measurement)\n');
    await ensureKeycloak();
  }
  try {
    const up = await must(['up', '--target', 'local', '--json']);
    line('lab:up (not measured here)', `${up.seconds.toFixed(1)} s`, `1-min load average ${loadavg()[0]!.toFixed(1)} on this machine`);
    const state = JSON.parse(up.stdout) as { processes?: Record<string, { pid: number }> };
    const kcPid = state.processes?.keycloak?.pid;
    const dirty: number[] = [];
    const clean: number[] = [];
    const kcCpu: number[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      await must(['tutorial', 'rotate-key']);
      await must(['tutorial', 'break', 'deny-all-shadowing']);
      await must(['tutorial', 'break', 'audience-mismatch']);
      const cpu0 = kcPid ? cpuSeconds(kcPid) : undefined;
      const d = await must(['reset', '--json']);
      const cpu1 = kcPid ? cpuSeconds(kcPid) : undefined;
      if (cpu0 !== undefined && cpu1 !== undefined) kcCpu.push(cpu1 - cpu0);
      const inner = (JSON.parse(d.stdout) as { totalMs: number }).totalMs / 1000;
      dirty.push(d.seconds);
      line(`round ${i}: reset after key + 2 breaks (CLI wall)`, `${d.seconds.toFixed(2)} s`, `in-process ${inner.toFixed(2)} s; Keycloak CPU ${kcCpu.at(-1)?.toFixed(2) ?? '?'} s`);
      const c = await must(['reset', '--json']);
      clean.push(c.seconds);
      line(`round ${i}: reset with nothing to undo`, `${c.seconds.toFixed(2)} s`);
    }
    const worst = Math.max(...dirty, ...clean);
    line('1-min load average at the end', loadavg()[0]!.toFixed(1), 'other work on the machine slows every number above');
    line('lab:reset median (dirty)', `${median(dirty).toFixed(2)} s`, `budget ${BUDGET_S} s ${median(dirty) <= BUDGET_S ? 'OK' : 'OVER'}`);
    line('lab:reset median (clean)', `${median(clean).toFixed(2)} s`);
    if (kcCpu.length) line('Keycloak CPU per dirty reset (median)', `${median(kcCpu).toFixed(2)} s`, 'load-independent; wall on an idle 2-core machine is about this or less');
    line('lab:reset worst of all rounds', `${worst.toFixed(2)} s`, worst <= BUDGET_S ? 'within budget' : 'OVER budget');
    return median(dirty) <= BUDGET_S ? 0 : 1;
  } finally {
    await lab(['down', '--target', 'local']);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  (c) => (process.exitCode = c),
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
