// Benchmark of the local target, with Keycloak already cached:
//   1. `lab:up --target local` from nothing running (budget: 30 s on 2 cores)
//   2. a second `lab:up` (nothing to do: every process kept)
//   3. JWKS fetches per gateway over a few refresh intervals (budget: one per interval)
//   4. `lab:down`
// Runs the CLI the way a user does, in a temp state dir, on LAB_PORT_OFFSET
// (default 9600 here so it never collides with a lab on the default ports).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { JWKS_REFRESH_SECONDS, makeConfig, PRIMARY_REALM, REGIONS, type Region } from '../core/config.js';
import { readSecrets } from '../core/secrets.js';
import { keycloakBackchannel } from '../keycloak/ready.js';
import { passwordGrant } from '../keycloak/tokens.js';
import { clientSecretPlaceholder } from '../manifests/index.js';
import type { LocalState } from '../targets/local/state.js';
import { REPO_ROOT } from '../core/paths.js';
import { run } from '../core/proc.js';
import { cachedKeycloak, ensureKeycloak } from '../targets/local/keycloak/fetch.js';

const BUDGET_UP_S = 30;
const offset = process.env.LAB_PORT_OFFSET ?? '9600';
const intervals = Number(process.env.LAB_BENCH_JWKS_INTERVALS ?? 2);

const stateDir = mkdtempSync(join(tmpdir(), 'bench-local-up-'));
const env = { LAB_PORT_OFFSET: offset, LAB_STATE_DIR: stateDir, LAB_TARGET: 'local' };

async function lab(args: string[]) {
  const began = Date.now();
  const r = await run([process.execPath, '--import', 'tsx', join(REPO_ROOT, 'scripts', 'lab.ts'), ...args], { env, cwd: REPO_ROOT, reject: false, timeoutMs: 600_000 });
  return { ...r, seconds: (Date.now() - began) / 1000 };
}

const line = (label: string, value: string, note = '') => process.stdout.write(`${label.padEnd(44)} ${value.padStart(9)}  ${note}\n`);

/** The gateway's own JWKS fetch counter, from its control API (unix socket in the lab state dir). */
async function jwksFetches(socketPath: string): Promise<number> {
  const agent = new Agent({ connect: { socketPath } });
  try {
    const res = await request('http://gateway/jwks', { dispatcher: agent });
    return ((await res.body.json()) as { fetches: number }).fetches;
  } finally {
    await agent.close();
  }
}

async function main(): Promise<number> {
  if (!cachedKeycloak()) {
    process.stdout.write('Keycloak not cached: fetching first (not part of the measurement)\n');
    await ensureKeycloak();
  }
  let failed = false;
  // Wall times on a shared 2-core machine depend on what else runs: say so.
  line('load average (1/5 min) at start', loadavg().slice(0, 2).map((n) => n.toFixed(1)).join(' / '), `${cpus().length} CPUs`);
  try {
    const up1 = await lab(['up', '--target', 'local', '--json']);
    if (up1.exitCode !== 0) throw new Error(`lab:up failed:\n${up1.stdout}\n${up1.stderr}`);
    const state1 = JSON.parse(up1.stdout) as { started: string[]; processes: Record<string, { pid: number }> };
    const kcLog = readFileSync(join(stateDir, 'local', 'logs', 'keycloak.log'), 'utf8');
    const kcStarted = /started in ([\d.]+)s/.exec(kcLog)?.[1];
    const augmented = /augmentation completed/.test(kcLog);
    const ok1 = up1.seconds <= BUDGET_UP_S;
    failed ||= !ok1;
    line('lab:up --target local (Keycloak cached)', `${up1.seconds.toFixed(1)} s`, `budget ${BUDGET_UP_S} s ${ok1 ? 'OK' : 'OVER'}; started ${state1.started.join(', ')}`);
    line('  of which Keycloak JVM "started in"', `${kcStarted ?? '?'} s`, augmented ? 're-augmented at start (cache build options differ!)' : 'no re-augmentation');

    const up2 = await lab(['up', '--target', 'local', '--json']);
    const state2 = JSON.parse(up2.stdout) as { started: string[]; processes: Record<string, { pid: number }> };
    const samePids = Object.entries(state1.processes).every(([n, p]) => state2.processes[n]?.pid === p.pid);
    failed ||= state2.started.length > 0 || !samePids;
    line('second lab:up (no-op)', `${up2.seconds.toFixed(1)} s`, `started ${state2.started.length ? state2.started.join(', ') : 'nothing'}; pids ${samePids ? 'unchanged' : 'CHANGED'}`);

    const state = JSON.parse(up1.stdout) as LocalState;
    const regions = (Object.keys(state.regions) as Region[]).filter((r) => REGIONS.includes(r));
    // A real token, so every request makes the gateway look its key up.
    const secrets = readSecrets(env)!;
    const cfg = makeConfig({ target: 'local', env });
    const token = (
      await passwordGrant({
        keycloakUrl: keycloakBackchannel(cfg),
        realm: PRIMARY_REALM,
        clientId: 'admin-portal',
        clientSecret: secrets.env[clientSecretPlaceholder('admin-portal')],
        username: 'demo-user',
        password: 'demo-password',
      })
    ).accessToken;
    const before: Record<string, number> = {};
    for (const r of regions) before[r] = await jwksFetches(state.regions[r]!.adminSocket!);
    const waitS = intervals * JWKS_REFRESH_SECONDS + 2;
    process.stdout.write(`(watching JWKS fetches for ${waitS} s = ${intervals} refresh intervals of ${JWKS_REFRESH_SECONDS} s, while sending requests)\n`);
    const until = Date.now() + waitS * 1000;
    let requests = 0;
    let allowed = 0;
    while (Date.now() < until) {
      for (const r of regions) {
        const res = await request(`http://${cfg.host}:${cfg.ports[r].http}/api/books`, { headers: { authorization: `Bearer ${token}` } });
        await res.body.dump();
        requests++;
        if (res.statusCode === 200) allowed++;
      }
      await sleep(100);
    }
    line('requests with a real token during the watch', `${requests}`, `${allowed} answered 200`);
    for (const r of regions) {
      const n = (await jwksFetches(state.regions[r]!.adminSocket!)) - before[r]!;
      const ok = n <= intervals + 1;
      failed ||= !ok;
      line(`JWKS fetches, ${r} gateway`, `${n}`, `over ${intervals} refresh intervals (expected ${intervals}, ±1 at the edges) ${ok ? 'OK' : 'TOO MANY'}`);
    }
  } finally {
    const down = await lab(['down', '--target', 'local']);
    line('lab:down --target local', `${down.seconds.toFixed(1)} s`, down.exitCode === 0 ? '' : `exit ${down.exitCode}`);
    rmSync(stateDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (c) => (process.exitCode = c),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
