// The catalog backend as both targets run it: `node manifests/catalog/server.mjs`
// with PORT, answering on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG_SERVER } from '../../../scripts/manifests/index.js';

let child: ChildProcess;

/** GET with the path sent exactly as written (fetch would normalize it first). */
function rawStatus(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
let base: string;

beforeAll(async () => {
  child = spawn(process.execPath, [CATALOG_SERVER], { env: { PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = /:(\d+)/.exec(line.toString())?.[1];
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => {
  child.kill('SIGTERM');
});

describe('catalog backend', () => {
  it('echoes the decoded x-jwt-payload, the header names and whether Authorization arrived', async () => {
    const payload = { iss: 'http://localhost:8090/realms/bookstore-platform', sub: 'u-1', tenant: 'acme-books' };
    const res = await fetch(`${base}/api/books?x=1`, {
      headers: { 'x-jwt-payload': Buffer.from(JSON.stringify(payload)).toString('base64url'), authorization: 'Bearer abc', 'X-Other': '1' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.receivedJwtPayload).toEqual(payload);
    expect(body.receivedAuthorization).toBe(true);
    expect(body.receivedHeaders).toEqual(expect.arrayContaining(['authorization', 'x-jwt-payload', 'x-other']));
    expect((body.books as unknown[]).length).toBeGreaterThan(0);
  });

  it('gives the same report, without books, on the public path /static/echo.json', async () => {
    const payload = { sub: 'u-2', tenant: 'acme-books' };
    const res = await fetch(`${base}/static/echo.json`, { headers: { 'x-jwt-payload': Buffer.from(JSON.stringify(payload)).toString('base64url') } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.receivedJwtPayload).toEqual(payload);
    expect(body.receivedHeaders).toEqual(expect.arrayContaining(['x-jwt-payload']));
    expect(body.books).toBeUndefined();
  });

  it('reports null and false when the gateway forwarded nothing (or garbage)', async () => {
    const body = (await (await fetch(`${base}/api/books`, { headers: { 'x-jwt-payload': '%%%not-base64url-json' } })).json()) as Record<string, unknown>;
    expect(body.receivedJwtPayload).toBeNull();
    expect(body.receivedAuthorization).toBe(false);
  });

  it('serves the static page and the PKCE callback, 404 elsewhere and outside the folder', async () => {
    const page = await fetch(`${base}/static/index.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<h1>Bookstore</h1>');
    expect((await fetch(`${base}/static/callback.html`)).status).toBe(200);
    for (const raw of ['/static/../server.mjs', '/static/..%2fserver.mjs', '/static/%2e%2e/server.mjs']) {
      expect(await rawStatus(raw), raw).toBe(404);
    }
    expect((await fetch(`${base}/static/missing.html`)).status).toBe(404);
    expect((await fetch(`${base}/admin`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
