// The kind side of break/fix, doctor and reset, with a stand-in runner in
// proc.ts (no Docker here): what kubectl/docker calls are made, with which
// input, and how their output is read. Nothing here claims a cluster ran.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { makeConfig } from '../../../scripts/core/config.js';
import { resetRunner, setRunner, type RunOptions, type RunResult } from '../../../scripts/core/proc.js';
import { FAKE_JWKS } from '../../../scripts/engine/index.js';
import { kindResetPlan, resetKind } from '../../../scripts/reset/kind.js';
import { cleanObject, inlineJwksFromConfigDump, kindGatewayView } from '../../../scripts/tutorial/views/kind.js';
import { shadowingDenyAll } from '../../../scripts/tutorial/break/patches.js';
import { BASELINE } from './fakes.js';

const cfg = makeConfig({ target: 'kind', env: {} });
const calls: Array<{ argv: string[]; input?: string }> = [];
let answer: (argv: string[]) => Partial<RunResult> = () => ({});

beforeEach(() => {
  process.env.LAB_STATE_DIR = mkdtempSync(join(tmpdir(), 'lab-f-kind-'));
  calls.length = 0;
  answer = () => ({});
  setRunner({
    async run(argv: string[], opts?: RunOptions): Promise<RunResult> {
      calls.push({ argv, input: opts?.input });
      const a = answer(argv);
      return { command: argv, exitCode: 0, stdout: '', stderr: '', durationMs: 1, ...a };
    },
    spawnDetached: () => {
      throw new Error('not in this test');
    },
  });
});
afterEach(() => resetRunner());

const dockerInspect = JSON.stringify([{ Name: '/bookstore-platform-us-east-control-plane', State: { Running: true }, NetworkSettings: { Networks: { kind: { IPAddress: '172.18.0.2' } } } }]);

function configDump(issuer: string, inline: string) {
  return JSON.stringify({
    configs: [
      {
        dynamic_listeners: [
          { active_state: { listener: { filter_chains: [{ filters: [{ typed_config: { http_filters: [{ name: 'envoy.filters.http.jwt_authn', typed_config: { providers: { 'origins-0': { issuer, local_jwks: { inline_string: inline } } } } }] } }] }] } } },
        ],
      },
    ],
  });
}

describe('kind gateway view', () => {
  it('reads the policies from the API server, without server-filled fields', async () => {
    const item = { ...BASELINE[0], metadata: { ...BASELINE[0]!.metadata, uid: 'u', resourceVersion: '9', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, status: {} };
    answer = (argv) => (argv[0] === 'docker' ? { stdout: dockerInspect } : argv.includes('get') ? { stdout: JSON.stringify({ items: [item] }) } : {});
    const view = await kindGatewayView(cfg);
    const p = await view.policies('eu-west');
    expect(p.value).toEqual([cleanObject(item)]);
    expect(p.value[0]!.metadata).toEqual({ name: 'storefront-keycloak', namespace: 'istio-system' });
    expect(p.source).toMatch(/kubectl get in kind-bookstore-platform-eu-west/);
    const get = calls.find((c) => c.argv.includes('get'))!;
    expect(get.argv.slice(0, 3)).toEqual(['kubectl', '--context', 'kind-bookstore-platform-eu-west']);
    // eu-west's baseline fetches JWKS from the us-east node on the kind network
    const rule = (view.baselinePolicies('eu-west')[0]!.spec as { jwtRules: Array<{ jwksUri: string }> }).jwtRules[0]!;
    expect(rule.jwksUri).toBe('http://172.18.0.2:30090/realms/bookstore-platform/protocol/openid-connect/certs');
  });

  it('applies through kubectl (the webhook decides) and deletes what a break removes', async () => {
    answer = (argv) => (argv[0] === 'docker' ? { stdout: dockerInspect } : argv.includes('apply') ? { stdout: 'authorizationpolicy.security.istio.io/deny-all configured\n' } : {});
    const view = await kindGatewayView(cfg);
    const out = await view.applyPolicies('us-east', shadowingDenyAll(BASELINE), { remove: [BASELINE[1]!] });
    expect(out).toEqual({ applied: true, output: expect.stringContaining('deny-all configured') });
    const apply = calls.find((c) => c.argv.includes('apply'))!;
    expect(apply.argv).toEqual(['kubectl', '--context', 'kind-bookstore-platform-us-east', 'apply', '-f', '-']);
    const sent = parseAllDocuments(apply.input!).map((d) => d.toJS() as { metadata: { name: string }; spec: unknown });
    expect(sent.find((d) => d.metadata.name === 'deny-all')!.spec).toMatchObject({ action: 'DENY', rules: [{}] });
    const del = calls.find((c) => c.argv.includes('delete'))!;
    expect(del.argv).toEqual(['kubectl', '--context', 'kind-bookstore-platform-us-east', 'delete', 'authorizationpolicy.security.istio.io', 'allow-public-static', '-n', 'istio-system', '--ignore-not-found']);
  });

  it('reports a webhook refusal as not applied, with kubectl\'s message', async () => {
    const msg = 'Error from server: admission webhook "validation.istio.io" denied the request: configuration is invalid: empty value not allowed';
    answer = (argv) => (argv[0] === 'docker' ? { stdout: dockerInspect } : argv.includes('apply') ? { exitCode: 1, stderr: msg } : {});
    const view = await kindGatewayView(cfg);
    expect(await view.applyPolicies('us-east', BASELINE)).toEqual({ applied: false, output: msg });
  });

  it('reads the keys Envoy holds from its config dump, and recognises istiod\'s fake key', async () => {
    const iss = 'http://localhost:8090/realms/bookstore-platform';
    const real = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k1', n: 'abc', e: 'AQAB' }] });
    let inline = real;
    answer = (argv) => {
      if (argv[0] === 'docker') return { stdout: dockerInspect };
      if (argv.includes('exec')) return { stdout: configDump(iss, inline) };
      if (argv.includes('get')) return { stdout: JSON.stringify({ items: BASELINE.slice(0, 1) }) };
      return {};
    };
    const view = await kindGatewayView(cfg);
    const uri = (BASELINE[0]!.spec as { jwtRules: Array<{ jwksUri: string }> }).jwtRules[0]!.jwksUri;
    const held = await view.heldJwks('us-east', uri);
    expect(held.value.jwks?.keys[0]!.kid).toBe('k1');
    expect(held.source).toMatch(/Envoy config dump/);
    const exec = calls.find((c) => c.argv.includes('exec'))!;
    expect(exec.argv.slice(3)).toEqual(['-n', 'istio-system', 'exec', 'deploy/istio-ingressgateway', '--', 'pilot-agent', 'request', 'GET', 'config_dump']);
    inline = JSON.stringify(FAKE_JWKS);
    const fake = await view.heldJwks('us-east', uri);
    expect(fake.value.jwks).toBeUndefined();
    expect(fake.value.error).toMatch(/fake key/);
    expect(inlineJwksFromConfigDump(JSON.parse(configDump(iss, real))).get(iss)).toBe(real);
  });

  it('reads istiod\'s refresh interval from its environment, 20 min when unset', async () => {
    let value = '30s';
    answer = (argv) => (argv[0] === 'docker' ? { stdout: dockerInspect } : argv.includes('istiod') ? { stdout: value } : {});
    const view = await kindGatewayView(cfg);
    expect(await view.jwksRefreshSeconds('us-east')).toBe(30);
    value = '2m';
    expect(await view.jwksRefreshSeconds('us-east')).toBe(120);
    value = '';
    expect(await view.jwksRefreshSeconds('us-east')).toBe(1200);
    expect(await view.refreshJwksNow('us-east')).toBe(false);
  });
});

describe('reset on kind', () => {
  it('plans, per region, deleting what breaks labelled and re-applying the baseline', async () => {
    const plan = kindResetPlan(cfg);
    expect(plan).toHaveLength(6);
    expect(plan[0]).toEqual(['kubectl', '--context', 'kind-bookstore-platform-us-east', 'delete', 'requestauthentications.security.istio.io,authorizationpolicies.security.istio.io', '-A', '-l', 'bookstore-auth-lab/break', '--ignore-not-found']);
    expect(plan[5]).toEqual(['kubectl', '--context', 'kind-bookstore-platform-ap-south', 'apply', '-f', '-']);
  });

  it('--dry-run prints the plan and runs nothing', async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await resetKind(cfg, { dryRun: true, json: false })).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(calls).toEqual([]);
    expect(out.join('')).toMatch(/lab:reset plan \(kind\)[\s\S]*re-create realms[\s\S]*fresh token/);
  });
});
