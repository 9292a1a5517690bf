// `lab:up --target local`: Keycloak 24.0.5 from the cache, the catalog
// backend, and one emulated Istio ingress gateway per region. Idempotent:
// what is running and healthy is skipped (and said so), what died is started
// again, and an interrupted `up` is finished by the next one.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Listr, type ListrTaskWrapper } from 'listr2';
import { REALMS, type LabConfig } from '../../core/config.js';
import { LabError } from '../../core/errors.js';
import { info, printJson } from '../../core/log.js';
import { privateDir } from '../../core/paths.js';
import { ensureSecrets, secretsDir, type LabSecrets } from '../../core/secrets.js';
import { renderRealms } from '../../manifests/index.js';
import { logTail, waitForKeycloak } from '../../keycloak/ready.js';
import { requireJava } from '../../tools/java.js';
import type { TargetOptions } from '../types.js';
import { ensureKeycloak, cachedKeycloak } from './keycloak/fetch.js';
import { createKeycloakHome, writeRealmImports } from './keycloak/home.js';
import { localLayout, type LocalLayout } from './layout.js';
import { withLock } from './lock.js';
import { requirePortsFree } from './ports.js';
import { identify, readRecord, readRecords, removeRecord, startRecorded, stopRecorded, type ProcRecord } from './processes.js';
import { formatProgress } from './progress.js';
import { backendSpec, gatewaySpec, keycloakSpec, LAB_ROOT_ENV, type ServiceSpec } from './services.js';
import { buildState, writeState, type LocalState } from './state.js';
import { ensureTls, type TlsFiles } from './tls.js';

export const KEYCLOAK_READY_TIMEOUT_MS = 180_000;
const SERVICE_READY_TIMEOUT_MS = 30_000;

interface UpCtx {
  dist?: string;
  secrets?: LabSecrets;
  tls?: TlsFiles;
  started: string[];
  kept: string[];
}

/** Keycloak's own settings must come from us, not from a KC_* variable left in the user's shell. */
function keycloakEnv(secrets: LabSecrets): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('KC_') && !k.startsWith('KEYCLOAK_')) env[k] = v;
  }
  return {
    ...env,
    ...secrets.env,
    KEYCLOAK_ADMIN: secrets.keycloakAdmin.username,
    KEYCLOAK_ADMIN_PASSWORD: secrets.keycloakAdmin.password,
    JAVA_OPTS_APPEND: keycloakJvmOptions(env.JAVA_OPTS_APPEND),
  };
}

/**
 * C1-only JIT: measured here, Keycloak's startup CPU drops from ~27 s to ~17 s
 * (what decides `up` time on 2 cores) while a password grant gets ~25% slower
 * (PBKDF2 210k). A lab starts Keycloak far more often than it hashes passwords.
 * Kept out if the user's own JAVA_OPTS_APPEND already chooses a JIT level.
 */
export function keycloakJvmOptions(userAppend: string | undefined): string {
  const mine = '-XX:TieredStopAtLevel=1';
  if (!userAppend?.trim()) return mine;
  return /TieredStopAtLevel|TieredCompilation/.test(userAppend) ? userAppend : `${userAppend} ${mine}`;
}

async function waitHealthy(spec: ServiceSpec, rec: ProcRecord, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const h = await spec.health();
    if (h.ok) return;
    last = h.detail;
    if ((await identify(rec)) !== 'ours') {
      throw new LabError(`${spec.name} exited during startup`, `see ${spec.log}; last lines:\n${logTail(spec.log)}`, `read the log, fix the cause, then: npm run lab:up -- --target local`);
    }
    if (Date.now() > deadline) {
      throw new LabError(`${spec.name} was not healthy after ${timeoutMs / 1000} s`, `${last}; see ${spec.log}; last lines:\n${logTail(spec.log)}`, 'read the log, then: npm run lab:down -- --target local && npm run lab:up -- --target local');
    }
    await sleep(150);
  }
}

type Task = ListrTaskWrapper<UpCtx, any, any>;

/**
 * Keep a healthy service, wait for one still booting (an interrupted `up`),
 * replace one that is dead or stuck. Returns true when it started a process.
 */
async function ensureService(
  spec: ServiceSpec,
  layout: LocalLayout,
  ctx: UpCtx,
  task: Task,
  start: { prepare?: () => void | Promise<void>; wait: (rec: ProcRecord) => Promise<void> },
): Promise<void> {
  const prev = readRecord(layout.pids, spec.name);
  if (prev) {
    const who = await identify(prev);
    if (who === 'ours') {
      const h = await spec.health();
      if (h.ok) {
        ctx.kept.push(spec.name);
        task.skip(`already running (pid ${prev.pid})`);
        return;
      }
      task.output = `pid ${prev.pid} is running but not healthy yet (${h.detail}); waiting`;
      try {
        await start.wait(prev);
        ctx.kept.push(spec.name);
        task.title = `${task.title} (pid ${prev.pid}, finished starting)`;
        return;
      } catch {
        task.output = `pid ${prev.pid} did not become healthy; restarting it`;
        await stopRecorded(prev);
      }
    }
    removeRecord(layout.pids, spec.name);
  }
  await requirePortsFree(spec.ports);
  await start.prepare?.();
  const rec = startRecorded(layout.pids, {
    name: spec.name,
    argv: spec.argv,
    markers: spec.markers,
    env: { ...spec.env, [LAB_ROOT_ENV]: layout.root },
    cwd: spec.cwd,
    port: spec.ports[0]?.port,
    log: spec.log,
  });
  await start.wait(rec);
  ctx.started.push(spec.name);
  task.title = `${task.title} (pid ${rec.pid})`;
}

function processEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function upLocal(cfg: LabConfig, opts: TargetOptions): Promise<number> {
  const layout = localLayout();
  privateDir(layout.root);
  mkdirSync(layout.logs, { recursive: true, mode: 0o700 });
  if (opts.dryRun) {
    info(`would start Keycloak on ${cfg.keycloakPort}, the backend and gateways for ${cfg.regions.join(', ')}; state in ${layout.root}`);
    return 0;
  }
  const began = Date.now();
  const ctx: UpCtx = await withLock(
    layout.upLock,
    async () => {
      // listr2 falls back to its line-by-line renderer when stdout is not a terminal.
      const tty = Boolean(process.stdout.isTTY) && !opts.json;
      const tasks = new Listr<UpCtx>(
        [
          {
            title: 'Preflight',
            task: (_c, t) =>
              t.newListr([
                {
                  title: 'Java 17+',
                  task: async (_c2, t2) => {
                    const j = await requireJava();
                    t2.title = `Java ${j.version}`;
                  },
                },
                {
                  title: 'Keycloak 24.0.5 in the cache',
                  task: async (c, t2) => {
                    const cached = cachedKeycloak();
                    if (cached) {
                      c.dist = cached;
                      t2.skip(`Keycloak 24.0.5: already cached in ${cached}`);
                      return;
                    }
                    const startedAt = Date.now();
                    let lastStep = -1;
                    const dist = await ensureKeycloak({
                      log: (m) => (t2.output = m),
                      onProgress: (got, total) => {
                        const step = total ? Math.floor((got / total) * (tty ? 100 : 10)) : 0;
                        if (step === lastStep) return;
                        lastStep = step;
                        t2.output = formatProgress(got, total, Date.now() - startedAt);
                      },
                    });
                    c.dist = dist.home;
                    t2.title = `Keycloak 24.0.5 fetched (${dist.source}) into ${dist.home}`;
                  },
                },
                {
                  title: 'Ports free',
                  task: async (_c2, t2) => {
                    const claims = [];
                    for (const spec of plannedSpecs(cfg, layout)) {
                      const rec = readRecord(layout.pids, spec.name);
                      if (rec && (await identify(rec)) === 'ours') continue;
                      claims.push(...spec.ports);
                    }
                    if (claims.length === 0) {
                      t2.skip('Ports: every service already running');
                      return;
                    }
                    await requirePortsFree(claims, cfg.host);
                    t2.title = `Ports free: ${claims.map((c) => c.port).join(', ')}`;
                  },
                },
              ]),
          },
          {
            title: 'Lab secrets',
            task: (c, t) => {
              c.secrets = ensureSecrets();
              t.title = `Lab secrets in ${secretsDir()} (0600)`;
            },
          },
          {
            title: 'Services',
            task: (_c, t) =>
              t.newListr(
                [
                  {
                    title: `Keycloak on ${cfg.keycloakPort}`,
                    task: async (c, t2) => {
                      const spec = keycloakSpec(cfg, layout, keycloakEnv(c.secrets!));
                      await ensureService(spec, layout, c, t2, {
                        prepare: () => {
                          createKeycloakHome(c.dist!, layout.keycloakHome);
                          writeRealmImports(layout.importDir, renderRealms(cfg));
                        },
                        wait: async (rec) => {
                          const ms = await waitForKeycloak({
                            cfg,
                            realms: REALMS,
                            timeoutMs: KEYCLOAK_READY_TIMEOUT_MS,
                            logFile: spec.log,
                            alive: async () => (await identify(rec)) === 'ours',
                            // A terminal redraws in place; a CI log gets a line every 5 s.
                            onProgress: (m) => {
                              const secs = Number(/\((\d+) s\)/.exec(m)?.[1] ?? 0);
                              if (tty || secs % 5 === 0) t2.output = m;
                            },
                          });
                          t2.output = `ready in ${(ms / 1000).toFixed(1)} s`;
                        },
                      });
                    },
                  },
                  {
                    title: 'Catalog backend',
                    task: async (c, t2) => {
                      const spec = backendSpec(cfg, layout);
                      await ensureService(spec, layout, c, t2, { wait: (rec) => waitHealthy(spec, rec, SERVICE_READY_TIMEOUT_MS) });
                    },
                  },
                  {
                    title: 'TLS certificate',
                    task: async (c, t2) => {
                      const r = await ensureTls(layout);
                      c.tls = r.files;
                      if (!r.created) t2.skip(`TLS certificate: reusing ${r.files.cert}`);
                      else t2.title = `TLS certificate ${r.files.cert}`;
                    },
                  },
                ],
                { concurrent: true, exitOnError: true },
              ),
          },
          {
            title: 'Gateways',
            task: (_c, t) =>
              t.newListr(
                cfg.regions.map((region) => ({
                  title: `${region}: https ${cfg.ports[region].https}, http ${cfg.ports[region].http}`,
                  task: async (c: UpCtx, t2: Task) => {
                    const spec = gatewaySpec(cfg, layout, region, c.tls!, processEnv());
                    await ensureService(spec, layout, c, t2, { wait: (rec) => waitHealthy(spec, rec, SERVICE_READY_TIMEOUT_MS) });
                  },
                })),
                { concurrent: true, exitOnError: true },
              ),
          },
        ],
        {
          silentRendererCondition: opts.json,
          fallbackRenderer: 'simple',
          exitOnError: true,
          rendererOptions: { collapseSubtasks: false, collapseSkips: false },
        },
      );
      return tasks.run({ started: [], kept: [] });
    },
    { onWait: (pid) => info(`another lab:up (pid ${pid ?? '?'}) is running for this lab; waiting for it`) },
  );
  const state = buildState(cfg, layout, readRecords(layout.pids), join(secretsDir(), 'secrets.json'), ctx.tls!.cert);
  writeState(layout, state);
  const secs = ((Date.now() - began) / 1000).toFixed(1);
  if (opts.json) printJson({ ...state, started: ctx.started, kept: ctx.kept, seconds: Number(secs) });
  else info(summary(state, ctx, secs));
  return 0;
}

function summary(state: LocalState, ctx: UpCtx, secs: string): string {
  const lines = [
    '',
    `Local lab up in ${secs} s (started: ${ctx.started.join(', ') || 'nothing'}; already running: ${ctx.kept.join(', ') || 'nothing'})`,
    `  Keycloak       ${state.keycloakUrl}  (admin console ${state.adminConsole}; credentials in ${state.secrets})`,
    ...Object.entries(state.regions).map(([r, u]) => `  ${r.padEnd(14)} ${u!.https}  ${u!.http}`),
    `  logs           ${state.logs}`,
    '  next           npm run lab:status -- --target local   |   npm run labs   |   npm run lab:down -- --target local',
  ];
  return lines.join('\n');
}

/** Every service of the lab, for the port preflight (specs only; nothing starts). */
function plannedSpecs(cfg: LabConfig, layout: LocalLayout): ServiceSpec[] {
  const placeholderTls: TlsFiles = { cert: '', key: '' };
  return [
    keycloakSpec(cfg, layout, {}),
    backendSpec(cfg, layout),
    ...cfg.regions.map((r) => gatewaySpec(cfg, layout, r, placeholderTls, {})),
  ];
}
