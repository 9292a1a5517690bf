// Gateway latency budget and JWKS fetch count, measured (not asserted):
//   - median (and p90) latency of GET /api/books straight to the catalog
//     backend vs through the local gateway with a valid JWT (full jwt_authn +
//     RBAC path), over http and https; budget: the gateway adds <= 2 ms median;
//   - JWKS fetches over the whole run (budget: one per refresh interval, not
//     one per request).
// The backend (manifests/catalog/server.mjs) and the gateway (scripts/gateway/main.ts)
// run as their own processes, the way the local target runs them; the stub
// JWKS endpoint and the client run here.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { spawnDetached } from '../core/proc.js';
import { REPO_ROOT } from '../core/paths.js';
import { JWKS_REFRESH_SECONDS } from '../core/config.js';

const N = Number(process.env.BENCH_N ?? 2000);
const WARMUP = 300;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function waitFor(url: string, dispatcher?: Agent, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await request(url, { dispatcher });
      await r.body.text();
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { median: q(0.5), p90: q(0.9), p99: q(0.99) };
}

async function measure(url: string, headers: Record<string, string>, dispatcher: Agent): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const t0 = performance.now();
    const r = await request(url, { headers, dispatcher });
    await r.body.text();
    const dt = performance.now() - t0;
    if (r.statusCode !== 200) throw new Error(`${url} answered ${r.statusCode}`);
    if (i >= WARMUP) times.push(dt);
  }
  return times;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lab-bench-gw-'));
  const pids: number[] = [];
  // Stub Keycloak JWKS endpoint, counted.
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  let jwksHits = 0;
  const kc = createServer((_req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  const kcPort = await freePort();
  await new Promise<void>((r) => kc.listen(kcPort, '127.0.0.1', () => r()));

  const backendPort = await freePort();
  const httpsPort = await freePort();
  const httpPort = await freePort();
  const started = Date.now();
  try {
    pids.push(spawnDetached([process.execPath, join(REPO_ROOT, 'manifests/catalog/server.mjs')], { env: { ...process.env, PORT: String(backendPort), HOST: '127.0.0.1' }, logFile: join(dir, 'backend.log') }));
    pids.push(
      spawnDetached(
        [
          process.execPath, '--import', 'tsx', join(REPO_ROOT, 'scripts/gateway/main.ts'),
          '--region', 'us-east', '--backend', `127.0.0.1:${backendPort}`,
          '--https-port', String(httpsPort), '--http-port', String(httpPort), '--keycloak-port', String(kcPort),
        ],
        { cwd: REPO_ROOT, env: process.env, logFile: join(dir, 'gateway.log') },
      ),
    );
    const plain = new Agent({ keepAliveTimeout: 10_000, connections: 1 });
    const tls = new Agent({ keepAliveTimeout: 10_000, connections: 1, connect: { rejectUnauthorized: false } });
    await waitFor(`http://127.0.0.1:${backendPort}/healthz`, plain);
    await waitFor(`http://127.0.0.1:${httpPort}/static/index.html`, plain);

    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: 'bench-user', tenant: 'acme-books', aud: ['storefront-web'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'JWT' })
      .setIssuer(`http://localhost:${kcPort}/realms/bookstore-platform`)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
    const auth = { authorization: `Bearer ${token}` };

    const direct = stats(await measure(`http://127.0.0.1:${backendPort}/api/books`, auth, plain));
    const viaHttp = stats(await measure(`http://127.0.0.1:${httpPort}/api/books`, auth, plain));
    const viaHttps = stats(await measure(`https://localhost:${httpsPort}/api/books`, auth, tls));
    const elapsed = (Date.now() - started) / 1000;
    const f = (x: number) => x.toFixed(3);
    const overheadHttp = viaHttp.median - direct.median;
    const overheadHttps = viaHttps.median - direct.median;
    const expectedFetches = 1 + Math.floor(elapsed / JWKS_REFRESH_SECONDS);
    const lines = [
      `requests per series: ${N} (after ${WARMUP} warm-up), sequential, keep-alive, valid RS256 JWT on /api/books`,
      `backend direct        median ${f(direct.median)} ms  p90 ${f(direct.p90)}  p99 ${f(direct.p99)}`,
      `gateway http          median ${f(viaHttp.median)} ms  p90 ${f(viaHttp.p90)}  p99 ${f(viaHttp.p99)}   added ${f(overheadHttp)} ms (budget 2 ms: ${overheadHttp <= 2 ? 'OK' : 'OVER'})`,
      `gateway https         median ${f(viaHttps.median)} ms  p90 ${f(viaHttps.p90)}  p99 ${f(viaHttps.p99)}   added ${f(overheadHttps)} ms (budget 2 ms: ${overheadHttps <= 2 ? 'OK' : 'OVER'})`,
      `JWKS fetches: ${jwksHits} over ${3 * (N + WARMUP)} gateway-bound requests in ${elapsed.toFixed(1)} s (refresh ${JWKS_REFRESH_SECONDS} s -> expected ${expectedFetches}: ${jwksHits <= expectedFetches ? 'OK' : 'TOO MANY'})`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    await plain.close();
    await tls.close();
    process.exitCode = overheadHttp <= 2 && jwksHits <= expectedFetches ? 0 : 1;
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    kc.close();
    await new Promise((r) => setTimeout(r, 300));
    if (process.exitCode) process.stderr.write(readFileSync(join(dir, 'gateway.log'), 'utf8').slice(-2000));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
