// Integration tests share ONE real local lab (Keycloak 24.0.5 + backend + a
// gateway per region), brought up here before the first test file and torn
// down after the last, even when tests fail.
//
// CONTRACT for test files (helpers A, E, F and anyone else):
//   import { inject } from 'vitest';
//   const lab = inject('localLab');
//   lab.offset      LAB_PORT_OFFSET of this run (LAB_TEST_PORT_OFFSET, default 20000)
//   lab.stateDir    LAB_STATE_DIR of this run (a temp folder; secrets in <stateDir>/secrets)
//   lab.cfg         the LabConfig the lab runs with (ports, keycloakPort, host, regions)
//   lab.state       $LAB_STATE_DIR/local/state.json as written by `lab:up` (URLs, pids, logs, tls.cert)
//   lab.upSeconds   wall time of the harness's `lab:up`
// process.env in test files also carries LAB_PORT_OFFSET, LAB_STATE_DIR and
// LAB_TARGET=local, so makeConfig({ target: 'local' }), readSecrets(),
// localLayout() and the CLI (run via proc.ts with process.env) all point at
// this lab without arguments.
// Rules: don't run lab:down from a test unless you run lab:up again before
// the test ends (local-up.test.ts does, to prove both); leave realms and key
// providers as you found them (or call the reset); never bind the lab's ports.
// Knobs: LAB_TEST_PORT_OFFSET (ports), LAB_IT_KEEP_STATE=1 (keep the temp state
// dir and its logs after the run), LAB_IT_SKIP_LOCAL=1 (no lab; `localLab` is
// then undefined and tests that need it must skip).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeConfig, type LabConfig } from '../../scripts/core/config.js';
import { REPO_ROOT } from '../../scripts/core/paths.js';
import { run } from '../../scripts/core/proc.js';
import { cachedKeycloak, ensureKeycloak } from '../../scripts/targets/local/keycloak/fetch.js';
import { localLayout } from '../../scripts/targets/local/layout.js';
import { killRecordedSync } from '../../scripts/targets/local/processes.js';
import { straysOf } from '../../scripts/targets/local/down.js';
import { streamProgress } from '../../scripts/targets/local/progress.js';
import type { LocalState } from '../../scripts/targets/local/state.js';

export interface LocalLabHarness {
  offset: number;
  stateDir: string;
  cfg: LabConfig;
  state: LocalState;
  upSeconds: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localLab: LocalLabHarness | undefined;
  }
}

const say = (m: string) => process.stderr.write(`[integration] ${m}\n`);

/** Run the lab CLI exactly as a user would (through proc.ts), with this run's env. */
export async function labCli(args: string[], env: Record<string, string>) {
  return run([process.execPath, '--import', 'tsx', join(REPO_ROOT, 'scripts', 'lab.ts'), ...args], {
    cwd: REPO_ROOT,
    env,
    reject: false,
    timeoutMs: 600_000,
  });
}

let env: Record<string, string> | undefined;
let stateDir: string | undefined;
let exitHook: (() => void) | undefined;

/** A run killed mid-way (Ctrl-C twice, OOM) leaves its lab behind; take it down before binding the same ports. */
async function downPrevious(marker: string): Promise<void> {
  if (!existsSync(marker)) return;
  const prev = readFileSync(marker, 'utf8').trim();
  if (prev && existsSync(prev)) {
    say(`taking down the lab a previous run left in ${prev}`);
    await labCli(['down', '--target', 'local'], { LAB_STATE_DIR: prev, LAB_PORT_OFFSET: env!.LAB_PORT_OFFSET!, LAB_TARGET: 'local' });
    rmSync(prev, { recursive: true, force: true });
  }
  rmSync(marker, { force: true });
}

export async function setup(project: TestProject): Promise<void> {
  if (process.env.LAB_IT_SKIP_LOCAL === '1') {
    say('LAB_IT_SKIP_LOCAL=1: no local lab for this run');
    project.provide('localLab', undefined);
    return;
  }
  const offset = Number(process.env.LAB_TEST_PORT_OFFSET ?? 20000);
  stateDir = mkdtempSync(join(tmpdir(), 'bookstore-it-'));
  // A 15 s JWKS refresh (the product default is 30 s) halves the tutorial's and
  // the rotation tests' waits; every test reads the interval from the running
  // gateways, so none depends on the value.
  const jwksRefresh = process.env.LAB_JWKS_REFRESH_SECONDS ?? '15';
  env = { LAB_PORT_OFFSET: String(offset), LAB_STATE_DIR: stateDir, LAB_TARGET: 'local', LAB_JWKS_REFRESH_SECONDS: jwksRefresh };
  const marker = join(tmpdir(), `bookstore-auth-lab-it-${offset}.statedir`);
  await downPrevious(marker);
  writeFileSync(marker, stateDir);

  if (!cachedKeycloak()) {
    say('Keycloak 24.0.5 is not in the cache yet: fetching it once (~176 MB, checksum-verified) before the tests');
    await ensureKeycloak({ onProgress: streamProgress(process.stderr, '[integration] keycloak'), log: say });
  }
  // If this process dies without teardown, at least kill what the lab started.
  const pids = localLayout(env).pids;
  exitHook = () => {
    killRecordedSync(pids);
    for (const p of straysOf(localLayout(env).root)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  process.once('exit', exitHook);

  say(`lab:up --target local (LAB_PORT_OFFSET=${offset}, LAB_STATE_DIR=${stateDir})`);
  const began = Date.now();
  const up = await labCli(['up', '--target', 'local', '--json'], env);
  const upSeconds = (Date.now() - began) / 1000;
  if (up.exitCode !== 0) {
    await teardown();
    throw new Error(`lab:up failed (exit ${up.exitCode}):\n${up.stdout}\n${up.stderr}`);
  }
  const state = JSON.parse(up.stdout) as LocalState;
  say(`lab up in ${upSeconds.toFixed(1)} s: Keycloak ${state.keycloakUrl}, gateways ${Object.keys(state.regions).join(', ')}`);
  Object.assign(process.env, env);
  project.provide('localLab', { offset, stateDir, cfg: makeConfig({ target: 'local', env }), state, upSeconds });
}

export async function teardown(): Promise<void> {
  if (!env || !stateDir) return;
  const down = await labCli(['down', '--target', 'local', '--json'], env);
  if (down.exitCode !== 0) say(`lab:down exited ${down.exitCode}: ${down.stderr}`);
  const left = straysOf(localLayout(env).root);
  if (left.length) say(`WARNING: processes of the test lab still running after lab:down: ${left.join(', ')}`);
  if (exitHook) process.removeListener('exit', exitHook);
  if (process.env.LAB_IT_KEEP_STATE === '1') say(`kept ${stateDir} (logs in local/logs)`);
  else rmSync(stateDir, { recursive: true, force: true });
  rmSync(join(tmpdir(), `bookstore-auth-lab-it-${env.LAB_PORT_OFFSET}.statedir`), { force: true });
  env = undefined;
  stateDir = undefined;
}
