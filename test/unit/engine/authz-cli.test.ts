// `lab authz` end to end: the real CLI in a child process (through proc.ts),
// files on disk, no network.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../../../scripts/core/proc.js';
import { REPO_ROOT } from '../../../scripts/core/paths.js';
import * as h from './helpers.js';

let dir: string;
let manifests: string;
let jwksFile: string;
let token: string;
let expired: string;

const lab = (args: string[]) =>
  run(['npx', 'tsx', join(REPO_ROOT, 'scripts/lab.ts'), 'authz', ...args], { cwd: REPO_ROOT, reject: false, timeoutMs: 60_000 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-authz-'));
  const signer = await h.rsaSigner('kc-active');
  jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(await h.keycloakJwks(signer)));
  manifests = join(dir, 'policies.yaml');
  const docs = [h.requestAuthentication([h.labRule()]), ...h.labAuthz, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ignored' } }];
  writeFileSync(manifests, docs.map((d) => stringify(d)).join('---\n'));
  token = await h.sign(signer);
  expired = await h.sign(signer, h.baseClaims({ exp: h.NOW - 120 }));
});

describe('lab authz', () => {
  it('decides an array of requests, in order, with exit code 0', async () => {
    const req = join(dir, 'reqs.json');
    writeFileSync(
      req,
      JSON.stringify([
        { method: 'GET', path: '/api/books?x=1', headers: { authorization: `Bearer ${token}`, host: 'localhost:8443' } },
        { method: 'GET', path: '/api/books', headers: { authorization: `Bearer ${expired}`, host: 'localhost:8443' } },
        { method: 'GET', path: '/api/books', headers: {} },
        { method: 'GET', path: '/static/index.html', headers: { 'X-JWT-Payload': 'forged' } },
      ]),
    );
    const r = await lab(['--manifests', manifests, '--jwks', `${h.JWKS_URI}=${jwksFile}`, '--request', req, '--now', String(h.NOW), '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toHaveLength(4);
    expect(out[0].decision).toBe('allow');
    expect(out[0].upstreamHeaders['x-jwt-payload']).toBe(token.split('.')[1]);
    expect(out[1]).toEqual({
      decision: 'deny',
      status: 401,
      body: 'Jwt is expired',
      headers: { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="https://localhost:8443/api/books", error="invalid_token"' },
    });
    expect(out[2]).toEqual({ decision: 'deny', status: 403, body: 'RBAC: access denied', headers: { 'content-type': 'text/plain' } });
    expect(out[3]).toEqual({ decision: 'allow', upstreamHeaders: {} });
  });

  it('one request gives one object; a missing --jwks mapping means "unreachable"', async () => {
    const req = join(dir, 'one.json');
    writeFileSync(req, JSON.stringify({ method: 'GET', path: '/api/books', headers: { authorization: `Bearer ${token}` } }));
    const r = await lab(['--manifests', manifests, '--request', req, '--now', String(h.NOW), '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'deny', status: 401, body: 'Jwt verification fails' });
    expect(r.stderr).toContain('treated as unreachable');
  });

  it('an invalid manifest (notValues: [""]) exits non-zero and names the problem', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, stringify(h.authz('tenant-check', { rules: [{ when: [{ key: 'request.auth.claims[tenant]', notValues: [''] }] }] })));
    const req = join(dir, 'one.json');
    const r = await lab(['--manifests', bad, '--request', req, '--json']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('empty value not allowed');
  });

  it('unreadable request file and bad --jwks are bad input', async () => {
    const r1 = await lab(['--manifests', manifests, '--request', join(dir, 'nope.json'), '--json']);
    expect(r1.exitCode).toBe(1);
    expect(r1.stderr).toContain('cannot read request file');
    const r2 = await lab(['--manifests', manifests, '--jwks', 'no-equals-sign', '--request', join(dir, 'one.json'), '--json']);
    expect(r2.exitCode).toBe(2);
  });

  it('--workload-namespace/--workload-labels move the decision to another workload', async () => {
    const req = join(dir, 'one.json');
    const r = await lab(['--manifests', manifests, '--request', req, '--workload-labels', 'app=catalog', '--workload-namespace', 'shop', '--json']);
    expect(JSON.parse(r.stdout).decision).toBe('allow');
  });
});
