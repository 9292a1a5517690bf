// Runs lab definitions against a target: every gateway request through real
// curl, every Keycloak call through undici, tokens shared across the run.
// Regions run concurrently; labs that change shared state run alone, last.
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gatewayUrl, issuerFor, PRIMARY_REALM, REGIONS, TOKEN_PATH, type LabConfig, type Region } from '../core/config.js';
import { isLabError } from '../core/errors.js';
import { privateDir, REPO_ROOT, stateDir } from '../core/paths.js';
import { readSecrets } from '../core/secrets.js';
import { curl, displayCommand, shellQuote } from '../tools/curl.js';
import { decodeJwt } from '../keycloak/tokens.js';
import { clip, compareGateway } from './compare.js';
import { keycloakAccess } from './keycloak-access.js';
import { DEMO, TokenSource } from './token-source.js';
import { defaultJwksControl } from './jwks-control.js';
import type {
  GatewayStep,
  JwksControl,
  KeyAdmin,
  KeycloakAccess,
  KeycloakGrantStep,
  LabContext,
  LabDefinition,
  LabResult,
  LabStep,
  MultiRegionContext,
  Principal,
  StepOutcome,
} from './types.js';

export interface RunnerOptions {
  cfg: LabConfig;
  labs: LabDefinition[];
  realExpiry?: boolean;
  /** key-rotation: wait for the gateway's own JWKS refresh even where it could be forced. */
  naturalRefresh?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Parallel (lab, region) jobs: most of their time is waiting on curl or a shared token. */
  concurrency?: number;
  keycloak?: KeycloakAccess;
  tokens?: TokenSource;
  jwks?: JwksControl;
  admin?: () => Promise<KeyAdmin>;
  /** Called as each (lab, region) finishes, for progress output. */
  onResult?: (r: LabResult) => void;
}

const BODY_KEEP = 500;

export function tokenPreview(token: string): string {
  return token.length <= 24 ? token : `${token.slice(0, 12)}…${token.slice(-8)}`;
}

/** How a path is shown in a command: relative to the repo when it is inside it. */
export function displayPath(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

interface Shared {
  cfg: LabConfig;
  kc: KeycloakAccess;
  tokens: TokenSource;
  jwks: JwksControl;
  tokensDir: string;
  outDir: string;
  realExpiry: boolean;
  naturalRefresh: boolean;
  memo: Map<string, Promise<unknown>>;
}

function makeContext(sh: Shared, lab: LabDefinition, region: Region, notes: string[]): LabContext {
  // One token file per step name: a step polled many times keeps one file.
  const fileIndex = new Map<string, number>();
  const env = { cfg: sh.cfg, region, issuer: issuerFor(sh.cfg, PRIMARY_REALM) };

  const gateway = async (step: GatewayStep, given?: string): Promise<StepOutcome> => {
    const idx = fileIndex.get(step.name) ?? fileIndex.size;
    fileIndex.set(step.name, idx);
    const stem = idx === 0 ? `${lab.id}-${region}` : `${lab.id}-${region}-${idx + 1}`;
    const token = given ?? (step.request.token ? await sh.tokens.resolve(step.request.token) : undefined);
    const headers: Record<string, string> = { ...(step.request.headers ?? {}) };
    let tokenFile: string | undefined;
    let sentClaims: Record<string, unknown> | undefined;
    if (token !== undefined) {
      headers.Authorization = step.request.tokenIn === 'no-prefix' ? token : `Bearer ${token}`;
      tokenFile = join(sh.tokensDir, `${stem}.jwt`);
      writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
      chmodSync(tokenFile, 0o600);
      try {
        sentClaims = decodeJwt(token).payload;
      } catch {
        sentClaims = undefined;
      }
    }
    const url = `${gatewayUrl(sh.cfg, region)}${step.request.path}`;
    const req = { url, method: step.request.method, headers };
    const res = await curl({ ...req, bodyFile: join(sh.outDir, `${stem}.body`), headersFile: join(sh.outDir, `${stem}.headers`) });
    const failures = compareGateway(step.expect, res, { ...env, sentClaims });
    let command = displayCommand(req, tokenFile && displayPath(tokenFile));
    if (step.request.tokenIn === 'no-prefix' && tokenFile) command = command.replace('"Authorization: Bearer $(cat', '"Authorization: $(cat');
    return {
      name: step.name,
      expected: { status: step.expect.status, body: step.expect.body },
      actual: { status: res.status, body: res.body.length > BODY_KEEP ? clip(res.body, BODY_KEEP) : res.body },
      pass: failures.length === 0,
      failures,
      command,
      tokenFile,
      tokenPreview: token === undefined ? undefined : tokenPreview(token),
      // What the backend's echo proved, in words (failed checks are listed as failures).
      notes: failures.length === 0 && step.expect.checks?.length ? step.expect.checks.map((c) => `checked: ${c.what}`) : undefined,
    };
  };

  const keycloakOutcome: LabContext['keycloakOutcome'] = (name, expect, got, command) => {
    const error = typeof got.json.error === 'string' ? got.json.error : got.status === 200 ? '(tokens issued)' : '(no error field)';
    const failures: string[] = [];
    if (got.status !== expect.status) failures.push(`Keycloak answered ${got.status}, expected ${expect.status}`);
    if (error !== expect.error) failures.push(`error ${JSON.stringify(error)}, expected ${JSON.stringify(expect.error)}`);
    return { name, expected: { status: expect.status, body: expect.error }, actual: { status: got.status, body: error }, pass: failures.length === 0, failures, command };
  };

  const grant = async (step: KeycloakGrantStep): Promise<StepOutcome> => {
    const { realm, client, user } = step.grant;
    const secret = sh.kc.clientSecret(realm, client);
    const password = sh.kc.password(realm, user);
    const got = await sh.tokens.grantResponse(step.grant);
    const command = [
      'curl -s -X POST',
      '-d grant_type=password',
      `-d client_id=${client}`,
      ...(secret ? ['-d client_secret=<see $LAB_STATE_DIR/secrets/secrets.json>'] : []),
      `-d username=${user}`,
      `-d password=${shellQuote(password)}`,
      `${sh.kc.url}${TOKEN_PATH(realm)}`,
    ].join(' ');
    const out = keycloakOutcome(step.name, step.expect, got, command);
    if (typeof got.json.error_description === 'string') out.notes = [`Keycloak said: ${got.json.error_description}`];
    return out;
  };

  return {
    cfg: sh.cfg,
    region,
    labId: lab.id,
    realExpiry: sh.realExpiry,
    naturalRefresh: sh.naturalRefresh,
    gateway,
    step: (s: LabStep) => (s.kind === 'gateway' ? gateway(s) : grant(s)),
    token: (spec) => sh.tokens.resolve(spec),
    keycloak: sh.kc,
    keycloakOutcome,
    shared: <T>(key: string, make: () => Promise<T>) => {
      let p = sh.memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = make();
        sh.memo.set(key, p);
      }
      return p;
    },
    jwks: sh.jwks,
    note: (msg) => notes.push(msg),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms))),
  };
}

/** The row for a lab in a region, from its step outcomes: the first failing step, else the first step, is the headline. */
export function summarize(lab: LabDefinition, region: Region, steps: StepOutcome[], durationMs: number, notes: string[] = []): LabResult {
  const headline = steps.find((s) => !s.pass) ?? steps[0];
  return {
    id: lab.id,
    region,
    title: lab.title,
    expected: headline?.expected ?? { status: 0, body: null },
    actual: headline?.actual ?? { status: 0, body: null },
    pass: steps.length > 0 && steps.every((s) => s.pass),
    durationMs,
    steps,
    notes,
  };
}

export function expectedOf(lab: LabDefinition): { status: number; body: string | null } {
  const first = lab.steps?.[0];
  if (!first) return lab.headline ?? { status: 0, body: null };
  return first.kind === 'gateway' ? { status: first.expect.status, body: first.expect.body } : { status: first.expect.status, body: first.expect.error };
}

function skipped(lab: LabDefinition, region: Region, reason: string): LabResult {
  return { id: lab.id, region, title: lab.title, expected: expectedOf(lab), actual: { status: 0, body: null }, pass: true, durationMs: 0, steps: [], notes: [], skipped: true, reason };
}

/**
 * Start every password grant the selected labs will need, all at once:
 * Keycloak hashes each password with PBKDF2, and two cores hash two at a time.
 * Failures are left for the lab that needs the token to report.
 */
export function prefetchTokens(labs: LabDefinition[], tokens: TokenSource): number {
  const seen = new Map<string, Principal>();
  for (const lab of labs) {
    for (const s of lab.steps ?? []) {
      if (s.kind !== 'gateway' || !s.request.token) continue;
      const t = s.request.token;
      const p = t.kind === 'password' ? (t.fresh ? undefined : t) : DEMO;
      if (p) seen.set(`${p.realm}/${p.client}/${p.user}`, { realm: p.realm, client: p.client, user: p.user });
    }
  }
  for (const p of seen.values()) tokens.password(p).catch(() => undefined);
  return seen.size;
}

function errored(lab: LabDefinition, region: Region, e: unknown, durationMs: number): LabResult {
  if (process.env.LAB_DEBUG) process.stderr.write(`${lab.id} [${region}]: ${(e as Error)?.stack ?? e}\n`);
  const msg = isLabError(e) ? `${e.what}: ${e.why} (fix: ${e.fix})` : (e as Error)?.message ?? String(e);
  return { ...skipped(lab, region, ''), skipped: undefined, reason: undefined, pass: false, durationMs, actual: { status: 0, body: `error: ${msg}` }, error: msg };
}

/** Which regions a lab runs in for this config, and the rows for the ones it cannot. */
export function plan(lab: LabDefinition, cfg: LabConfig): { regions: Region[]; skips: LabResult[] } {
  const support = lab.targets[cfg.target];
  const wanted = lab.regions === 'each' ? cfg.regions : (['us-east'] as Region[]);
  if (support !== true) return { regions: [], skips: wanted.map((r) => skipped(lab, r, support.skip)) };
  if (lab.regions === 'us-east' && !cfg.regions.includes('us-east')) {
    return { regions: [], skips: [skipped(lab, 'us-east', 'runs in us-east only (where Keycloak is); add us-east to --region')] };
  }
  return { regions: wanted, skips: [] };
}

async function pool<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

export async function runLabs(opts: RunnerOptions): Promise<LabResult[]> {
  const { cfg } = opts;
  const base = stateDir(opts.env);
  const kc = opts.keycloak ?? keycloakAccess(cfg);
  const sh: Shared = {
    cfg,
    kc,
    tokens: opts.tokens ?? new TokenSource(kc),
    jwks: opts.jwks ?? defaultJwksControl(cfg, opts.env),
    tokensDir: privateDir(join(base, 'tokens')),
    outDir: join(base, 'labs', 'out'),
    realExpiry: Boolean(opts.realExpiry),
    naturalRefresh: Boolean(opts.naturalRefresh),
    memo: new Map(),
  };
  mkdirSync(sh.outDir, { recursive: true });

  const runnable = opts.labs.filter((l) => plan(l, cfg).regions.length > 0);
  prefetchTokens(runnable, sh.tokens);

  const results: LabResult[] = [];
  const emit = (r: LabResult) => {
    results.push(r);
    opts.onResult?.(r);
  };
  const ordinary: Array<() => Promise<void>> = [];
  const exclusive: LabDefinition[] = [];

  for (const lab of opts.labs) {
    const { regions, skips } = plan(lab, cfg);
    skips.forEach(emit);
    if (regions.length === 0) continue;
    if (lab.runAcrossRegions) {
      exclusive.push(lab);
      continue;
    }
    for (const region of regions) {
      ordinary.push(async () => {
        const notes: string[] = [];
        const started = Date.now();
        try {
          const ctx = makeContext(sh, lab, region, notes);
          let steps: StepOutcome[];
          if (sh.realExpiry && lab.realExpiry) steps = await lab.realExpiry(ctx);
          else if (lab.run) steps = await lab.run(ctx);
          else {
            steps = [];
            for (const s of lab.steps ?? []) steps.push(await ctx.step(s));
          }
          emit(summarize(lab, region, steps, Date.now() - started, notes));
        } catch (e) {
          emit(errored(lab, region, e, Date.now() - started));
        }
      });
    }
  }
  // Labs that use the admin API log in while the others run: the first admin
  // calls on a freshly started Keycloak are slow, and this overlaps them.
  let adminP: Promise<KeyAdmin> | undefined;
  const admin = () => {
    adminP ??= (opts.admin ?? (async () => (await import('../keycloak/admin.js')).LabAdmin.connect(cfg, readSecrets(opts.env))))();
    return adminP;
  };
  if (exclusive.length) {
    admin()
      .then((a) => a.listKeyProviders(PRIMARY_REALM))
      .catch(() => undefined);
  }
  await pool(ordinary, opts.concurrency ?? 6);

  for (const lab of exclusive) {
    const { regions } = plan(lab, cfg);
    const notes: string[] = [];
    const started = Date.now();
    const contexts = new Map<Region, LabContext>();
    const mctx: MultiRegionContext = {
      cfg,
      regions,
      forRegion: (r) => {
        if (!contexts.has(r)) contexts.set(r, makeContext(sh, lab, r, notes));
        return contexts.get(r)!;
      },
      admin,
      note: (m) => notes.push(m),
    };
    try {
      const byRegion = await lab.runAcrossRegions!(mctx);
      const took = Date.now() - started;
      for (const r of regions) emit(summarize(lab, r, byRegion[r] ?? [], took, notes));
    } catch (e) {
      for (const r of regions) emit(errored(lab, r, e, Date.now() - started));
    }
  }

  // Report order: the order labs were given, then region order.
  const labOrder = new Map(opts.labs.map((l, i) => [l.id, i]));
  return results.sort((a, b) => labOrder.get(a.id)! - labOrder.get(b.id)! || REGIONS.indexOf(a.region) - REGIONS.indexOf(b.region));
}
