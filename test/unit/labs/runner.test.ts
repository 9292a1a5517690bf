import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeConfig, REGIONS } from '../../../scripts/core/config.js';
import { resetRunner, setRunner } from '../../../scripts/core/proc.js';
import { runLabs } from '../../../scripts/labs/runner.js';
import { formatDetails, formatTable, summaryLine, toJson } from '../../../scripts/labs/report.js';
import { toJunit } from '../../../scripts/labs/junit.js';
import { LABS } from '../../../labs/index.js';
import { curlRunner, fakeLab, type Answer, type CurlCall } from './fake-lab.js';

const declarative = LABS.filter((l) => l.steps);
let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'labs-unit-'));
  env = { LAB_STATE_DIR: dir };
});
afterEach(() => {
  resetRunner();
  rmSync(dir, { recursive: true, force: true });
});

describe('runner against the decision engine (fake curl, fake Keycloak)', () => {
  it('every declarative lab passes in every region, exactly as defined', async () => {
    const cfg = makeConfig({ target: 'local', env: {} });
    const lab = fakeLab(cfg);
    const calls: CurlCall[] = [];
    setRunner(curlRunner(cfg, lab.gateway, calls));
    const results = await runLabs({ cfg, labs: declarative, env, keycloak: lab.kc, tokens: lab.tokens });
    const failed = results.filter((r) => !r.pass);
    expect(failed.map((r) => `${r.id}[${r.region}]: ${r.steps.flatMap((s) => s.failures).join('; ') || r.error}`)).toEqual([]);
    // one row per lab and region (direct-grant-refused only in us-east)
    expect(results).toHaveLength(declarative.filter((l) => l.regions === 'each').length * 3 + declarative.filter((l) => l.regions === 'us-east').length);
    // every gateway request went to the region's own https port
    for (const c of calls) expect(REGIONS.some((r) => c.url.startsWith(`https://localhost:${cfg.ports[r].https}/`))).toBe(true);
    // tokens are reused across labs and regions: one grant per distinct principal
    expect(lab.tokens.grantsServed).toBeLessThanOrEqual(5);
  });

  it('sorts rows by lab order, then region order', async () => {
    const cfg = makeConfig({ target: 'local', env: {} });
    const lab = fakeLab(cfg);
    setRunner(curlRunner(cfg, lab.gateway));
    const results = await runLabs({ cfg, labs: declarative.slice(0, 3), env, keycloak: lab.kc, tokens: lab.tokens, concurrency: 9 });
    expect(results.map((r) => `${r.id}/${r.region}`)).toEqual(declarative.slice(0, 3).flatMap((l) => REGIONS.map((r) => `${l.id}/${r}`)));
  });

  it('saves each token 0600 and prints a re-run command that reads it', async () => {
    const cfg = makeConfig({ target: 'local', env: {} });
    const lab = fakeLab(cfg);
    setRunner(curlRunner(cfg, lab.gateway));
    const [r] = await runLabs({ cfg: { ...cfg, regions: ['eu-west'] }, labs: LABS.filter((l) => l.id === 'expired-token'), env, keycloak: lab.kc, tokens: lab.tokens });
    const step = r!.steps[0]!;
    expect(step.tokenFile).toBe(join(dir, 'tokens', 'expired-token-eu-west.jwt'));
    expect(statSync(step.tokenFile!).mode & 0o777).toBe(0o600);
    const token = readFileSync(step.tokenFile!, 'utf8').trim();
    expect(token.split('.')).toHaveLength(3);
    expect(step.command).toBe(`curl -sk -w '\\nHTTP %{http_code}\\n' -H "Authorization: Bearer $(cat ${step.tokenFile})" https://localhost:9443/api/books`);
    expect(step.tokenPreview).toMatch(/^.{12}….{8}$/);
    expect(step.command).not.toContain(token);
    expect(r!.steps[1]!.tokenFile).toBe(join(dir, 'tokens', 'expired-token-eu-west-2.jwt'));
  });

  it('a gateway that answers like the chapter (401 without a token) fails no-token, and the report says why', async () => {
    const cfg = makeConfig({ target: 'local', regions: ['us-east'], env: {} });
    const lab = fakeLab(cfg);
    const chapter: Answer = async (call, region) =>
      call.headers.authorization ? lab.gateway(call, region) : { status: 401, body: 'Jwt is missing', headers: { 'www-authenticate': 'Bearer realm="x", error="invalid_token"' } };
    setRunner(curlRunner(cfg, chapter));
    const results = await runLabs({ cfg, labs: LABS.filter((l) => l.id === 'no-token'), env, keycloak: lab.kc, tokens: lab.tokens });
    const r = results[0]!;
    expect(r.pass).toBe(false);
    expect(r.actual).toEqual({ status: 401, body: 'Jwt is missing' });
    expect(r.steps[0]!.failures).toEqual(['status 401, expected 403', 'body "Jwt is missing", expected "RBAC: access denied"']);
    expect(formatTable(results)).toMatch(/no-token\s+us-east\s+403 RBAC: access denied\s+401 Jwt is missing\s+FAIL/);
    expect(formatDetails(results, LABS)).toContain('✘ status 401, expected 403');
    expect(summaryLine(results, 1200)).toBe('0/1 passed, 1 FAILED (no-token) in 1.2 s');
    const json = toJson(results) as Array<Record<string, unknown>>;
    expect(json[0]).toMatchObject({ id: 'no-token', region: 'us-east', expected: { status: 403, body: 'RBAC: access denied' }, actual: { status: 401, body: 'Jwt is missing' }, pass: false });
    expect(typeof json[0]!.durationMs).toBe('number');
    const xml = toJunit(results, { target: 'local' });
    expect(xml).toContain('<testcase classname="labs.local.us-east" name="no-token"');
    expect(xml).toContain('<failure message="expected 403 RBAC: access denied, got 401 Jwt is missing"');
  });

  it('a 401 without WWW-Authenticate is not Envoy', async () => {
    const cfg = makeConfig({ target: 'local', regions: ['us-east'], env: {} });
    const lab = fakeLab(cfg);
    const bare: Answer = async (call, region) => ({ ...(await lab.gateway(call, region)), headers: {} });
    setRunner(curlRunner(cfg, bare));
    const [r] = await runLabs({ cfg, labs: LABS.filter((l) => l.id === 'wrong-realm'), env, keycloak: lab.kc, tokens: lab.tokens });
    expect(r!.pass).toBe(false);
    expect(r!.steps[0]!.failures[0]).toMatch(/WWW-Authenticate is missing/);
  });

  it('labs a target cannot run are skipped with the reason, and do not fail the run', async () => {
    const cfg = makeConfig({ target: 'local', env: {} });
    const lab = fakeLab(cfg);
    setRunner(curlRunner(cfg, lab.gateway));
    const results = await runLabs({ cfg, labs: LABS.filter((l) => l.id === 'workload-identity'), env, keycloak: lab.kc, tokens: lab.tokens });
    expect(results.map((r) => [r.region, r.skipped])).toEqual(REGIONS.map((r) => [r, true]));
    expect(results[0]!.reason).toMatch(/Kubernetes API server/);
    const json = toJson(results) as Array<Record<string, unknown>>;
    expect(json[0]).toMatchObject({ id: 'workload-identity', skipped: true, reason: results[0]!.reason });
    expect(toJunit(results, { target: 'local' })).toContain('<skipped message="needs a Kubernetes API server');
    expect(summaryLine(results, 0)).toBe('0/0 passed, 3 skipped in 0.0 s');
  });

  it('a gateway that is down makes an error row naming the fix', async () => {
    const cfg = makeConfig({ target: 'local', regions: ['ap-south'], env: {} });
    const lab = fakeLab(cfg);
    // Nothing listens on ap-south: the fake runner only knows ports of a different config.
    setRunner(curlRunner(makeConfig({ target: 'local', env: { LAB_PORT_OFFSET: '5' } }), lab.gateway));
    const [r] = await runLabs({ cfg, labs: LABS.filter((l) => l.id === 'no-token'), env, keycloak: lab.kc, tokens: lab.tokens });
    expect(r!.pass).toBe(false);
    expect(r!.error).toMatch(/Failed to connect.*fix: npm run lab:status/);
  });

  it('the kind target sends the same requests to the kind host ports', async () => {
    const cfg = makeConfig({ target: 'kind', env: {} });
    const lab = fakeLab(cfg);
    const calls: CurlCall[] = [];
    setRunner(curlRunner(cfg, lab.gateway, calls));
    const results = await runLabs({ cfg, labs: declarative, env, keycloak: lab.kc, tokens: lab.tokens });
    expect(results.filter((r) => !r.pass)).toEqual([]);
    expect(new Set(calls.map((c) => new URL(c.url).port))).toEqual(new Set(['8443', '9443', '10443']));
  });
});
