// The local gateway end to end on ephemeral ports: a stub catalog backend, a
// stub JWKS endpoint (counted), real TLS, real HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import fc from 'fast-check';
import { makeConfig } from '../../../scripts/core/config.js';
import { startGateway, type GatewayHandle } from '../../../scripts/gateway/index.js';
import { makeSelfSignedCert, type Pem } from '../../../scripts/gateway/tls.js';
import type { Jwks } from '../../../scripts/engine/types.js';
import * as h from '../engine/helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

let backend: Server;
let backendPort: number;
let seen: Seen[] = [];
let jwksServer: Server;
let jwksPort: number;
let jwksHits = 0;
let jwksUp = true;
let jwksBody: Jwks;
let pem: Pem;
let signer: h.Signer;
const tlsAgent = new Agent({ connect: { rejectUnauthorized: false } });

const listen = (s: Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  pem = await makeSelfSignedCert(['localhost', '127.0.0.1']);
  signer = await h.rsaSigner('kc-active');
  jwksBody = await h.keycloakJwks(signer);
  backend = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', server: 'catalog' });
    res.end(JSON.stringify({ ok: true, path: req.url }));
  });
  backendPort = await listen(backend);
  jwksServer = createServer((req, res) => {
    jwksHits++;
    if (!jwksUp) {
      res.writeHead(503);
      res.end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwksBody));
  });
  jwksPort = await listen(jwksServer);
});

afterAll(async () => {
  await tlsAgent.close();
  await new Promise((r) => backend.close(r));
  await new Promise((r) => jwksServer.close(r));
});

beforeEach(() => {
  seen = [];
});

const jwksUri = () => `http://127.0.0.1:${jwksPort}/realms/bookstore-platform/protocol/openid-connect/certs`;

function labDocs(extraAuthz = true): unknown[] {
  const gateway = {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'Gateway',
    metadata: { name: 'bookstore-gateway', namespace: 'istio-system' },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'x' } },
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
      ],
    },
  };
  const vs = {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: 'bookstore-routes', namespace: 'bookstore-platform-acme-books' },
    spec: {
      hosts: ['*'],
      gateways: ['istio-system/bookstore-gateway'],
      http: [{ name: 'catalog', match: [{ uri: { prefix: '/api/' } }, { uri: { prefix: '/static/' } }], route: [{ destination: { host: 'catalog', port: { number: 8080 } } }] }],
    },
  };
  return [gateway, vs, h.requestAuthentication([h.labRule({ jwksUri: jwksUri() })]), ...(extraAuthz ? h.labAuthz : [])];
}

async function gateway(opts: { docs?: unknown[]; refresh?: number; fetchJwks?: (u: string) => Promise<unknown> } = {}): Promise<GatewayHandle> {
  return startGateway({
    cfg: makeConfig({ target: 'local', env: {} }),
    region: 'us-east',
    docs: opts.docs ?? labDocs(),
    backend: { host: '127.0.0.1', port: backendPort },
    tls: pem,
    jwksRefreshSeconds: opts.refresh ?? 3600,
    fetchJwks: opts.fetchJwks,
    ports: { https: 0, http: 0 },
  });
}

async function get(gw: GatewayHandle, path: string, headers: Record<string, string> = {}, scheme: 'https' | 'http' = 'https') {
  const port = scheme === 'https' ? gw.ports.https : gw.ports.http!;
  const res = await request(`${scheme}://localhost:${port}${path}`, { headers, dispatcher: scheme === 'https' ? tlsAgent : undefined });
  const body = await res.body.text();
  return { status: res.statusCode, body, headers: res.headers as Record<string, string> };
}

const nowToken = (over: h.Claims = {}) =>
  h.sign(signer, h.baseClaims({ iat: Math.floor(Date.now() / 1000) - 5, exp: Math.floor(Date.now() / 1000) + 300, ...over }));

describe('gateway: decisions and Envoy replies', () => {
  let gw: GatewayHandle;
  beforeAll(async () => {
    jwksUp = true;
    gw = await gateway();
  });
  afterAll(() => gw.close());

  it('public static page: 200 through the backend, Envoy\'s forwarding headers added', async () => {
    const r = await get(gw, '/static/index.html', { 'x-request-id': 'client-id-1' });
    expect(r.status).toBe(200);
    expect(r.headers.server).toBe('istio-envoy');
    expect(Number(r.headers['x-envoy-upstream-service-time'])).toBeGreaterThanOrEqual(0);
    const up = seen.at(-1)!;
    expect(up.url).toBe('/static/index.html');
    expect(up.headers['x-forwarded-proto']).toBe('https');
    expect(up.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(up.headers['x-envoy-attempt-count']).toBe('1');
    expect(up.headers['x-envoy-internal']).toBe('true');
    // A loopback client is "internal": Envoy keeps its x-request-id.
    expect(up.headers['x-request-id']).toBe('client-id-1');
  });

  it('API without a token: 403 RBAC: access denied, text/plain, backend not called', async () => {
    const r = await get(gw, '/api/books');
    expect(r).toMatchObject({ status: 403, body: 'RBAC: access denied' });
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.headers['www-authenticate']).toBeUndefined();
    expect(seen).toHaveLength(0);
  });

  it('valid token: 200; backend gets the payload segment and (forwardOriginalToken) the Authorization header', async () => {
    const t = await nowToken();
    const r = await get(gw, '/api/books?x=1', { authorization: `Bearer ${t}` });
    expect(r.status).toBe(200);
    const up = seen.at(-1)!;
    expect(up.url).toBe('/api/books?x=1');
    expect(up.headers['x-jwt-payload']).toBe(t.split('.')[1]);
    expect(up.headers.authorization).toBe(`Bearer ${t}`);
  });

  it('expired token: 401 Jwt is expired with the Bearer challenge naming the original URI', async () => {
    const t = await nowToken({ exp: Math.floor(Date.now() / 1000) - 120 });
    const r = await get(gw, '/api/books', { authorization: `Bearer ${t}` });
    expect(r).toMatchObject({ status: 401, body: 'Jwt is expired' });
    expect(r.headers['www-authenticate']).toBe(`Bearer realm="https://localhost:${gw.ports.https}/api/books", error="invalid_token"`);
  });

  it('wrong audience: 403 Audiences in Jwt are not allowed', async () => {
    const r = await get(gw, '/api/books', { authorization: `Bearer ${await nowToken({ aud: 'account' })}` });
    expect(r).toMatchObject({ status: 403, body: 'Audiences in Jwt are not allowed' });
  });

  it('a forged x-jwt-payload never reaches the backend', async () => {
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', tenant: 'acme-books' })).toString('base64url');
    const r = await get(gw, '/static/index.html', { 'x-jwt-payload': forged });
    expect(r.status).toBe(200);
    expect(seen.at(-1)!.headers['x-jwt-payload']).toBeUndefined();
  });

  it('the plain http listener applies the same policies (401 realm uses http://)', async () => {
    expect((await get(gw, '/static/index.html', {}, 'http')).status).toBe(200);
    const r = await get(gw, '/api/books', { authorization: 'Bearer not.a.jwt' }, 'http');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toContain(`realm="http://localhost:${gw.ports.http}/api/books"`);
  });

  it('dot-segments are resolved before policy and routing: /static/../api/books is the API', async () => {
    const r = await request(`https://localhost:${gw.ports.https}/static/%2e%2e/api/books`, { dispatcher: tlsAgent });
    expect(r.statusCode).toBe(403);
    await r.body.text();
  });

  it('paths outside /api and /static: deny-all (DENY policy) answers 403 before the router', async () => {
    expect(await get(gw, '/admin')).toMatchObject({ status: 403, body: 'RBAC: access denied' });
  });

  it('request headers beyond 60 KiB: 431, and the gateway keeps serving', async () => {
    const big = await request(`https://localhost:${gw.ports.https}/static/index.html`, { headers: { 'x-big': 'a'.repeat(70 * 1024) }, dispatcher: tlsAgent }).then(
      async (r) => {
        await r.body.text();
        return r.statusCode;
      },
      (e: Error) => e.message,
    );
    expect(big).toBe(431);
    expect((await get(gw, '/static/index.html')).status).toBe(200);
  });
});

describe('gateway: routing', () => {
  it('no route: Envoy\'s empty 404 (policies without a DENY)', async () => {
    const gw = await gateway({ docs: labDocs(false) });
    try {
      const r = await get(gw, '/nowhere');
      expect(r.status).toBe(404);
      expect(r.body).toBe('');
      expect(seen).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });

  it('a Gateway without an HTTP server has no http listener', async () => {
    const docs = labDocs();
    (docs[0] as { spec: { servers: unknown[] } }).spec.servers.pop();
    const gw = await gateway({ docs });
    try {
      expect(gw.ports.http).toBeUndefined();
    } finally {
      await gw.close();
    }
  });

  it('invalid policies are skipped like istiod\'s webhook would refuse them', async () => {
    const docs = [...labDocs(false), h.authz('bad', { rules: [{ when: [{ key: 'request.auth.claims[tenant]', notValues: [''] }] }] })];
    const gw = await gateway({ docs });
    try {
      expect(gw.rejected().join()).toContain('empty value not allowed');
      expect((await get(gw, '/api/books')).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('gateway: JWKS like istiod', () => {
  it('fetched once at start, not per request; refreshJwksNow fetches again', async () => {
    jwksUp = true;
    const before = jwksHits;
    const gw = await gateway();
    try {
      expect(gw.jwksFetchCount()).toBe(1);
      const t = await nowToken();
      for (let i = 0; i < 30; i++) expect((await get(gw, '/api/books', { authorization: `Bearer ${t}` })).status).toBe(200);
      expect(gw.jwksFetchCount()).toBe(1);
      expect(jwksHits - before).toBe(1);
      await gw.refreshJwksNow();
      expect(gw.jwksFetchCount()).toBe(2);
    } finally {
      await gw.close();
    }
  });

  it('one fetch per refresh interval', async () => {
    jwksUp = true;
    const gw = await gateway({ refresh: 1 });
    try {
      await new Promise((r) => setTimeout(r, 2300));
      expect(gw.jwksFetchCount()).toBeGreaterThanOrEqual(2);
      expect(gw.jwksFetchCount()).toBeLessThanOrEqual(4);
    } finally {
      await gw.close();
    }
  });

  it('JWKS unreachable from the start: tokens 401 (fake key), tokenless requests unaffected; recovers after a fetch', async () => {
    jwksUp = false;
    const gw = await gateway();
    try {
      const t = await nowToken();
      expect(await get(gw, '/api/books', { authorization: `Bearer ${t}` })).toMatchObject({ status: 401, body: 'Jwt verification fails' });
      expect((await get(gw, '/static/index.html')).status).toBe(200);
      jwksUp = true;
      await gw.refreshJwksNow();
      expect((await get(gw, '/api/books', { authorization: `Bearer ${t}` })).status).toBe(200);
      // Later outages keep the last keys, as istiod does.
      jwksUp = false;
      await gw.refreshJwksNow();
      expect((await get(gw, '/api/books', { authorization: `Bearer ${t}` })).status).toBe(200);
    } finally {
      jwksUp = true;
      await gw.close();
    }
  });

  it('key rotation: a token with the new kid fails until the next refresh, then passes', async () => {
    jwksUp = true;
    const original = jwksBody;
    const gw = await gateway();
    try {
      const rotated = await h.rsaSigner('kc-rotated');
      const t = await h.sign(rotated, h.baseClaims({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 }));
      expect(await get(gw, '/api/books', { authorization: `Bearer ${t}` })).toMatchObject({ status: 401, body: "Jwks doesn't have key to match kid or alg from Jwt" });
      jwksBody = { keys: [...original.keys, rotated.publicJwk as Record<string, unknown>] };
      await gw.refreshJwksNow();
      expect((await get(gw, '/api/books', { authorization: `Bearer ${t}` })).status).toBe(200);
    } finally {
      jwksBody = original;
      await gw.close();
    }
  });

  it('fetchJwks can be injected (tests, tutorial) and is what gets counted', async () => {
    const calls: string[] = [];
    const gw = await gateway({ fetchJwks: async (u) => (calls.push(u), jwksBody) });
    try {
      expect(calls).toEqual([jwksUri()]);
      expect(gw.jwksFetchCount()).toBe(1);
    } finally {
      await gw.close();
    }
  });
});

describe('gateway: adversarial tokens over real HTTP', () => {
  it('never reach the backend on /api/* and never take the gateway down', async () => {
    jwksUp = true;
    const gw = await gateway();
    try {
      const junk = fc.oneof(
        fc.string({ maxLength: 200 }).filter((s) => !/[\r\n\0]/.test(s) && /^[\x20-\x7e]*$/.test(s)),
        fc.constantFrom(
          h.rawToken({ alg: 'none' }, h.baseClaims()),
          h.hs256WithPublicKey(signer, h.baseClaims()),
          h.rawToken({ alg: 'RS256', kid: 'kc-active', jku: 'http://evil' }, h.baseClaims()),
        ),
      );
      await fc.assert(
        fc.asyncProperty(junk, async (tok) => {
          const r = await get(gw, '/api/books', { authorization: `Bearer ${tok}` });
          expect([401, 403]).toContain(r.status);
        }),
        { numRuns: 60 },
      );
      expect(seen.filter((s) => s.url.startsWith('/api/'))).toHaveLength(0);
      expect((await get(gw, '/static/index.html')).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
