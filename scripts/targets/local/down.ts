// `lab:down --target local`: stop every process this lab started and remove
// its per-lab files. Trusts pid files only after checking identity, and on
// Linux also sweeps for strays carrying the lab's marker in their environment
// (a process started just before a crash, before its pid file was written).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LabConfig } from '../../core/config.js';
import { info, printJson } from '../../core/log.js';
import { LAB_BOUND_STATE, stateDir } from '../../core/paths.js';
import type { TargetOptions } from '../types.js';
import { localLayout } from './layout.js';
import { pidAlive, withLock } from './lock.js';
import { readRecords, removeRecord, stopRecorded, type StopOutcome } from './processes.js';
import { LAB_ROOT_ENV } from './services.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Keycloak needs a few seconds to shut down cleanly; node services far less. */
const GRACE_MS = { keycloak: 15_000, default: 5_000 };

/** Processes whose environment says they belong to this lab (Linux /proc only). */
export function straysOf(root: string): number[] {
  if (!existsSync('/proc/self/environ')) return [];
  const needle = `${LAB_ROOT_ENV}=${root}\0`;
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if ((readFileSync(`/proc/${d}/environ`, 'latin1') + '\0').includes(needle)) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

async function killStrays(pids: number[]): Promise<void> {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // gone
    }
  }
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && pids.some(pidAlive)) await sleep(100);
  for (const p of pids.filter(pidAlive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export interface DownReport {
  stopped: Array<{ name: string; pid: number; outcome: StopOutcome }>;
  strays: number[];
  removed: string[];
}

export async function downLocal(_cfg: LabConfig, opts: TargetOptions): Promise<number> {
  const layout = localLayout();
  if (opts.dryRun) {
    const recs = readRecords(layout.pids);
    info(recs.length ? `would stop ${recs.map((r) => `${r.name} (pid ${r.pid})`).join(', ')} and remove ${layout.root}` : 'nothing recorded to stop');
    return 0;
  }
  const report: DownReport = { stopped: [], strays: [], removed: [] };
  const work = async () => {
    const recs = readRecords(layout.pids);
    // Gateways and backend first so nothing answers with a half-stopped Keycloak behind it.
    const order = (n: string) => (n === 'keycloak' ? 1 : 0);
    for (const phase of [0, 1]) {
      await Promise.all(
        recs
          .filter((r) => order(r.name) === phase)
          .map(async (r) => {
            const outcome = await stopRecorded(r, r.name === 'keycloak' ? GRACE_MS.keycloak : GRACE_MS.default);
            removeRecord(layout.pids, r.name);
            report.stopped.push({ name: r.name, pid: r.pid, outcome });
          }),
      );
    }
    report.strays = straysOf(layout.root);
    if (report.strays.length) await killStrays(report.strays);
    // Logs stay for a post-mortem. The gateways' control sockets live in the lab root too.
    const sockets = existsSync(layout.root) ? readdirSync(layout.root).filter((n) => n.endsWith('.sock')).map((n) => join(layout.root, n)) : [];
    // Secrets, saved tokens, lab outputs and break records belong to this lab
    // (Keycloak's database is in memory, so nothing else holds them), unless
    // a kind lab in the same state dir still runs on them.
    const root = stateDir();
    const labBound = existsSync(join(root, 'kind')) ? [] : LAB_BOUND_STATE.map((n) => join(root, n));
    for (const p of [layout.keycloakHome, layout.pids, layout.tls, layout.stateFile, ...sockets, ...labBound]) {
      if (existsSync(p)) report.removed.push(p);
      rmSync(p, { recursive: true, force: true });
    }
  };
  if (existsSync(layout.root)) await withLock(layout.upLock, work, { onWait: (pid) => info(`waiting for lab:up (pid ${pid ?? '?'}) to finish`) });
  if (opts.json) {
    printJson(report);
    return 0;
  }
  if (report.stopped.length === 0 && report.strays.length === 0) info('local lab: nothing was running');
  for (const s of report.stopped) {
    const what =
      s.outcome === 'not-ours'
        ? `pid ${s.pid} now belongs to another program: left alone, pid file removed`
        : s.outcome === 'not-running'
          ? `was not running (pid ${s.pid})`
          : `${s.outcome} (pid ${s.pid})`;
    info(`✔ ${s.name}: ${what}`);
  }
  if (report.strays.length) info(`✔ stopped ${report.strays.length} stray process(es) of this lab: ${report.strays.join(', ')}`);
  if (report.removed.length) info(`✔ removed ${report.removed.join(', ')}; kept logs in ${layout.logs}, tutorial progress and the Keycloak cache`);
  return 0;
}
