// The labs against the real local lab (Keycloak 24.0.5 + one emulated gateway
// per region, from the shared harness): every lab passes in every region.
// Then the same runner on the kind target, with stand-in `curl` (logs, then
// runs the real curl) and `kubectl` (TokenRequest + the cluster's OIDC
// documents) on PATH, to check the commands it plans and runs.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kubeContext, REGIONS, TENANT_NAMESPACE } from '../../scripts/core/config.js';
import { run } from '../../scripts/core/proc.js';
import { LABS } from '../../labs/index.js';
import { labCli } from './global-setup.js';

const lab = inject('localLab');
const ids = LABS.map((l) => l.id);

interface Row {
  id: string;
  region: string;
  expected: { status: number; body: string | null };
  actual: { status: number; body: string | null } | null;
  pass: boolean | null;
  durationMs: number;
  skipped?: boolean;
  reason?: string;
  steps?: Array<{ name: string; pass: boolean; failures?: string[]; notes?: string[]; command?: string }>;
  error?: string;
}

function failuresOf(rows: Row[]): string[] {
  return rows
    .filter((r) => r.pass === false)
    .map((r) => `${r.id}[${r.region}]: ${r.error ?? (r.steps ?? []).filter((s) => !s.pass).map((s) => `${s.name}: ${(s.failures ?? []).join('; ')}`).join(' | ')}`);
}

describe.skipIf(!lab)('labs on the local target (real Keycloak, emulated gateways)', () => {
  if (!lab) it.skip('no local lab in this run (LAB_IT_SKIP_LOCAL=1)', () => {});
  const env = () => ({ LAB_PORT_OFFSET: String(lab!.offset), LAB_STATE_DIR: lab!.stateDir, LAB_TARGET: 'local' });
  let rows: Row[] = [];
  let junit = '';
  let wallSeconds = 0;

  beforeAll(async () => {
    const junitFile = join(lab!.stateDir, 'labs-junit.xml');
    const began = Date.now();
    const r = await labCli(['labs', '--target', 'local', '--json', '--junit', junitFile], env());
    wallSeconds = (Date.now() - began) / 1000;
    try {
      rows = JSON.parse(r.stdout) as Row[];
    } catch {
      throw new Error(`labs --json printed no JSON (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    }
    junit = existsSync(junitFile) ? readFileSync(junitFile, 'utf8') : '';
    process.stderr.write(`[labs] whole suite in ${wallSeconds.toFixed(1)} s, exit ${r.exitCode}\n`);
    if (r.exitCode !== 0) process.stderr.write(`[labs] stderr:\n${r.stderr}\n`);
  }, 300_000);

  it('every lab passes in every region; workload-identity is skipped with its reason', () => {
    expect(failuresOf(rows)).toEqual([]);
    for (const id of ids) {
      const def = LABS.find((l) => l.id === id)!;
      const regions = rows.filter((r) => r.id === id).map((r) => r.region);
      expect(regions, id).toEqual(def.regions === 'each' ? [...REGIONS] : ['us-east']);
    }
    const wi = rows.filter((r) => r.id === 'workload-identity');
    expect(wi.every((r) => r.skipped === true && /Kubernetes API server/.test(r.reason ?? ''))).toBe(true);
    expect(rows.filter((r) => !r.skipped).every((r) => r.pass === true)).toBe(true);
  });

  it('the answers are Envoy\'s and Keycloak\'s, as the labs define them', () => {
    const got = (id: string, region = 'eu-west') => rows.find((r) => r.id === id && r.region === region)!.actual;
    expect(got('no-token')).toEqual({ status: 403, body: 'RBAC: access denied' });
    expect(got('expired-token')).toEqual({ status: 401, body: 'Jwt is expired' });
    expect(got('wrong-realm')).toEqual({ status: 401, body: 'Jwt issuer is not configured' });
    expect(got('wrong-audience')).toEqual({ status: 403, body: 'Audiences in Jwt are not allowed' });
    expect(got('tampered-signature')).toEqual({ status: 401, body: 'Jwt verification fails' });
    expect(got('foreign-key')).toEqual({ status: 401, body: "Jwks doesn't have key to match kid or alg from Jwt" });
    expect(got('alg-none')).toEqual({ status: 401, body: 'Jwt header [alg] is not supported' });
    expect(got('missing-tenant-claim')).toEqual({ status: 403, body: 'RBAC: access denied' });
    expect(got('direct-grant-refused', 'us-east')).toEqual({ status: 400, body: 'unauthorized_client' });
    expect(got('valid-token')?.status).toBe(200);
    // The 30-s-expired token is accepted (60 s skew).
    const expired = rows.find((r) => r.id === 'expired-token' && r.region === 'us-east')!;
    expect(expired.steps!.map((s) => s.pass)).toEqual([true, true, true]);
  });

  it('key-rotation observed the gap and left the realm as it found it', () => {
    for (const r of rows.filter((x) => x.id === 'key-rotation')) {
      expect(r.steps!.map((s) => s.name)).toEqual([
        'new token, before the gateway re-fetched JWKS',
        'old token, its key now passive',
        'new token, after the gateway re-fetched JWKS',
        'old token, key disabled, before the next refresh',
        'old token, after the next refresh',
      ]);
      expect(r.steps![2]!.notes!.join(' ')).toMatch(/\d+\.\d s after the change/);
    }
  });

  it('writes JUnit XML with one testcase per lab and region', () => {
    expect(junit).toMatch(/^<\?xml/);
    expect((junit.match(/<testcase /g) ?? []).length).toBe(rows.length);
    expect(junit).toContain(`failures="0" skipped="${REGIONS.length}"`);
  });

  it('the printed re-run command, pasted into a shell, gives the same answer', async () => {
    const row = rows.find((r) => r.id === 'expired-token' && r.region === 'ap-south')!;
    const cmd = row.steps![0]!.command!;
    expect(cmd).toMatch(/"Authorization: Bearer \$\(cat .*tokens\/expired-token-ap-south\.jwt\)"/);
    const file = /\$\(cat ([^)]+)\)/.exec(cmd)![1]!;
    const path = file.startsWith('/') ? file : join(process.cwd(), file);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const out = await run(['sh', '-c', cmd], { reject: false });
    expect(out.stdout).toContain('Jwt is expired');
    expect(out.stdout.trim().endsWith('HTTP 401')).toBe(true);
  });

  it('the human report has the table, the commands, the why and the fact', async () => {
    const r = await labCli(['labs', 'no-token', 'wrong-audience', '--target', 'local', '--region', 'us-east'], env());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/lab\s+region\s+expected\s+got\s+pass/);
    expect(r.stdout).toMatch(/no-token\s+us-east\s+403 RBAC: access denied\s+403 RBAC: access denied\s+PASS/);
    expect(r.stdout).toMatch(/\$ curl -sk .* https:\/\/localhost:\d+\/api\/books/);
    expect(r.stdout).toContain('chapter-errata.md item 1');
    expect(r.stdout).toContain('why:');
    expect(r.stdout).toMatch(/2\/2 passed/);
  });

  it('an unknown lab id is a usage error naming the labs', async () => {
    const r = await labCli(['labs', 'no-such-lab', '--target', 'local'], env());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('unknown lab "no-such-lab"');
    expect(r.stderr).toContain('no-token');
  });
});

// ── the kind target, with stand-in tools ───────────────────────────────────

const FAKE_CURL = `#!/bin/sh
# Stand-in curl: log the argv (one JSON line), then run the real curl.
node -e 'require("fs").appendFileSync(process.env.FAKE_LOG, JSON.stringify({ tool: "curl", argv: process.argv.slice(1) }) + "\\n")' -- "$@"
exec "$REAL_CURL" "$@"
`;

// Stand-in kubectl: a per-cluster RSA key (made on first use), TokenRequest,
// and the API server's OIDC discovery + JWKS, all logged.
const FAKE_KUBECTL = `#!/usr/bin/env node
const fs = require('fs'), path = require('path'), crypto = require('crypto');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify({ tool: 'kubectl', argv: args }) + '\\n');
const ctx = args[args.indexOf('--context') + 1];
const keyFile = path.join(process.env.FAKE_DIR, ctx + '.pem');
if (!fs.existsSync(keyFile)) fs.writeFileSync(keyFile, crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
const kid = crypto.createHash('sha256').update(ctx).digest('base64url').slice(0, 16);
const iss = 'https://kubernetes.default.svc.cluster.local';
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
if (args[0] === 'create' && args[1] === 'token') {
  const ns = args[args.indexOf('-n') + 1], aud = args[args.indexOf('--audience') + 1], now = Math.floor(Date.now() / 1000);
  const h = b64({ alg: 'RS256', kid }), p = b64({ aud: [aud], exp: now + 3600, iat: now, nbf: now, iss, sub: 'system:serviceaccount:' + ns + ':' + args[2], 'kubernetes.io': { namespace: ns, serviceaccount: { name: args[2] } } });
  const sig = crypto.createSign('RSA-SHA256').update(h + '.' + p).sign(key).toString('base64url');
  process.stdout.write(h + '.' + p + '.' + sig + '\\n');
} else if (args[0] === 'get' && args[1] === '--raw' && args[2] === '/.well-known/openid-configuration') {
  process.stdout.write(JSON.stringify({ issuer: iss, jwks_uri: 'https://172.18.0.2:6443/openid/v1/jwks' }));
} else if (args[0] === 'get' && args[1] === '--raw' && args[2] === '/openid/v1/jwks') {
  const jwk = crypto.createPublicKey(key).export({ format: 'jwk' });
  process.stdout.write(JSON.stringify({ keys: [{ ...jwk, kid, use: 'sig', alg: 'RS256' }] }));
} else { process.stderr.write('fake kubectl: unsupported ' + args.join(' ') + '\\n'); process.exit(1); }
`;

describe.skipIf(!lab)('labs on the kind target (stand-in curl and kubectl, answers from the local lab)', () => {
  if (!lab) it.skip('no local lab in this run (LAB_IT_SKIP_LOCAL=1)', () => {});
  let dir = '';
  let log: Array<{ tool: string; argv: string[] }> = [];
  let rows: Row[] = [];
  let dry: Array<{ id: string; region: string; step: string; command: string }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'labs-kind-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const realCurl = (await run(['sh', '-c', 'command -v curl'])).stdout.trim();
    writeFileSync(join(bin, 'curl'), FAKE_CURL);
    writeFileSync(join(bin, 'kubectl'), FAKE_KUBECTL);
    chmodSync(join(bin, 'curl'), 0o755);
    chmodSync(join(bin, 'kubectl'), 0o755);
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      REAL_CURL: realCurl,
      FAKE_LOG: join(dir, 'calls.jsonl'),
      FAKE_DIR: dir,
      // Same offset and secrets as the local lab: the kind host ports are the local gateways' ports.
      LAB_PORT_OFFSET: String(lab!.offset),
      LAB_STATE_DIR: lab!.stateDir,
      LAB_TARGET: 'kind',
    };
    // key-rotation on kind waits for istiod's own refresh (no way to force it): minutes, so not here.
    const kindIds = ids.filter((i) => i !== 'key-rotation');
    const r = await labCli(['labs', ...kindIds, '--target', 'kind', '--json'], env);
    rows = JSON.parse(r.stdout) as Row[];
    log = readFileSync(env.FAKE_LOG, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tool: string; argv: string[] });
    const d = await labCli(['labs', '--target', 'kind', '--dry-run', '--json'], env);
    dry = JSON.parse(d.stdout) as typeof dry;
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every lab but key-rotation in every region, workload-identity included', () => {
    expect(failuresOf(rows)).toEqual([]);
    expect(rows.filter((r) => r.skipped)).toEqual([]);
    const wi = rows.filter((r) => r.id === 'workload-identity');
    expect(wi.map((r) => r.region)).toEqual([...REGIONS]);
    expect(wi[0]!.actual).toEqual({ status: 401, body: 'Jwt issuer is not configured' });
    // The humans-versus-workloads table, with real values.
    const table = wi[0]!.steps![0]!.notes!.join('\n');
    expect(table).toMatch(/sub\s+\S+\s+system:serviceaccount:bookstore-platform-acme-books:catalog-irsa-sa/);
    expect(table).toMatch(/aud\s+\["admin-portal","account"\]\s+\["sts.amazonaws.com"\]/);
    expect(wi[0]!.steps![1]!.pass).toBe(true);
  });

  it('asks each cluster for the IRSA token with the chapter\'s command', () => {
    for (const region of REGIONS) {
      expect(log).toContainEqual({
        tool: 'kubectl',
        argv: ['create', 'token', 'catalog-irsa-sa', '-n', TENANT_NAMESPACE, '--audience', 'sts.amazonaws.com', '--context', kubeContext(region)],
      });
      expect(log).toContainEqual({ tool: 'kubectl', argv: ['get', '--raw', '/openid/v1/jwks', '--context', kubeContext(region)] });
    }
  });

  it('sends every gateway request with real curl to the kind host ports', () => {
    const curls = log.filter((c) => c.tool === 'curl');
    expect(curls.length).toBeGreaterThan(40);
    const ports = new Set(curls.map((c) => new URL(c.argv[c.argv.length - 1]!).port));
    expect(ports).toEqual(new Set(REGIONS.map((r) => String(lab!.cfg.ports[r].https))));
    for (const c of curls) {
      expect(c.argv.slice(0, 2)).toEqual(['-sS', '-k']);
      expect(c.argv).toContain('-w');
    }
  });

  it('--dry-run plans the same requests without running any', () => {
    const noToken = dry.find((p) => p.id === 'no-token' && p.region === 'us-east')!;
    expect(noToken.command).toBe(`curl -sk -w '\\nHTTP %{http_code}\\n' https://localhost:${lab!.cfg.ports['us-east'].https}/api/books`);
    const expired = dry.find((p) => p.id === 'expired-token' && p.region === 'eu-west')!;
    expect(expired.command).toContain('tokens/expired-token-eu-west.jwt)"');
    expect(dry.find((p) => p.id === 'workload-identity')!.step).toBe('scripted');
  });
});
