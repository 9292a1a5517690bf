// The control channel the tutorial, doctor and reset use (scripts/reset/gateway-control.ts
// is the client): policies swapped all-or-nothing after validation, JWKS state and refresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { makeConfig } from '../../../scripts/core/config.js';
import { startGateway, type GatewayHandle } from '../../../scripts/gateway/index.js';
import { controlHandler } from '../../../scripts/gateway/control.js';
import { makeSelfSignedCert } from '../../../scripts/gateway/tls.js';
import { GatewayControl } from '../../../scripts/gateway/control-client.js';
import * as h from '../engine/helpers.js';

let gw: GatewayHandle;
let control: Server;
let backend: Server;
let dir: string;
let client: GatewayControl;
let fetches = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-gw-control-'));
  const signer = await h.rsaSigner('kc-active');
  const jwks = await h.keycloakJwks(signer);
  backend = createServer((_q, s) => s.end('ok'));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const gateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'istio-system' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'] }] } };
  const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'istio-system' }, spec: { hosts: ['*'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'catalog' } }] }] } };
  gw = await startGateway({
    cfg: makeConfig({ target: 'local', env: {} }),
    region: 'us-east',
    docs: [gateway, vs, h.requestAuthentication([h.labRule()]), ...h.labAuthz],
    backend: { host: '127.0.0.1', port: (backend.address() as AddressInfo).port },
    tls: await makeSelfSignedCert(['localhost']),
    jwksRefreshSeconds: 30,
    fetchJwks: async () => (fetches++, jwks),
    ports: { https: 0, http: 0 },
  });
  const socket = join(dir, 'gateway-us-east.sock');
  control = createServer((q, s) => void controlHandler(gw, () => [])(q, s));
  await new Promise<void>((r) => control.listen(socket, () => r()));
  client = new GatewayControl('us-east', socket);
});

afterAll(async () => {
  await tlsAgent.close();
  await gw.close();
  await new Promise((r) => control.close(r));
  await new Promise((r) => backend.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const tlsAgent = new Agent({ connect: { rejectUnauthorized: false } });
const status = async (path: string) => {
  const r = await request(`https://localhost:${gw.ports.https}${path}`, { dispatcher: tlsAgent });
  await r.body.text();
  return r.statusCode;
};

describe('gateway control channel', () => {
  it('GET /policies lists the security documents in force', async () => {
    const p = await client.policies();
    expect(p.docs.map((d) => d.metadata.name).sort()).toEqual(['allow-public-static', 'deny-all', 'require-jwt-api', 'storefront-keycloak']);
    expect(p.source).toBe('rendered manifests');
  });

  it('PUT /policies refuses an invalid set as a whole, and applies a valid one', async () => {
    expect(await status('/api/books')).toBe(403);
    const bad = await client.setPolicies([h.authz('broken', { rules: [{ when: [{ key: 'request.auth.claims[tenant]', notValues: [''] }] }] })] as never, 'test: bad');
    expect(bad.applied).toBe(false);
    expect(bad.errors?.join()).toContain('empty value not allowed');
    expect(await status('/api/books')).toBe(403);
    const ok = await client.setPolicies([h.requestAuthentication([h.labRule()])] as never, 'test: authn only');
    expect(ok.applied).toBe(true);
    expect(await status('/api/books')).toBe(200);
    expect((await client.policies()).source).toBe('test: authn only');
  });

  it('GET /jwks reports keys, fetches and the interval; POST /jwks/refresh?restart=1 fetches now', async () => {
    const j = await client.jwks();
    expect(j.refreshSeconds).toBe(30);
    expect(j.entries[0]?.key).toBe(h.JWKS_URI);
    expect(j.entries[0]?.jwks?.keys.map((k) => k.kid)).toContain('kc-active');
    const before = fetches;
    const r = await client.refreshJwks();
    expect(fetches).toBe(before + 1);
    expect(r.fetches).toBe(gw.jwksFetchCount());
  });
});
