#!/usr/bin/env tsx
// Process entry for one region's emulated Istio ingress gateway; the local
// target starts one per region (scripts/targets/local/services.ts).
//
// argv (all --name value):
//   --region <us-east|eu-west|ap-south>   required
//   --backend <host:port>                 required: the catalog backend
//   --cert <file> --key <file>            TLS PEM files; if absent, a self-signed pair is made in memory
//   --https-port <n> --http-port <n>      default: the region's ports (LAB_PORT_OFFSET applied)
//   --keycloak-port <n>                   default: 8090 + LAB_PORT_OFFSET (issuer and jwksUri are rendered for it)
//   --manifests-dir <dir>                 default: the repo's manifests/, rendered for the local target
//   --manifests-file <file>               alternatively: already-rendered YAML, used as is
//   --jwks-refresh-seconds <n>            default JWKS_REFRESH_SECONDS (30), like istiod's refresh interval
//   --admin-port <n>                      optional loopback TCP port for the control API (0 = ephemeral)
//   --admin-socket <path|none>            the control API on a unix socket (0600); default
//                                         $LAB_LOCAL_ROOT/gateway-<region>.sock, else $LAB_STATE_DIR/local/gateway-<region>.sock
// env: LAB_PORT_OFFSET, LAB_STATE_DIR, LAB_LOCAL_ROOT (logs go to stdout/stderr; the caller redirects them).
//
// Control API (scripts/gateway/control.ts), on the socket and the admin port:
//   GET/PUT /policies, GET /jwks, POST /jwks/refresh[?restart=1], POST /reload
// lab doctor, tutorial break/fix and lab:reset use it (scripts/reset/gateway-control.ts).
//
// Signals: SIGTERM/SIGINT close the listeners and exit 0. SIGHUP re-reads the
// manifests (what istiod pushes after `kubectl apply`) and fetches JWKS now.
// Ready line on stdout, once listening:
//   GATEWAY READY {"region":"us-east","https":8443,"http":8080,"admin":null,"adminSocket":"/…/gateway-us-east.sock","pid":1234}
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { JWKS_REFRESH_SECONDS, makeConfig, REGIONS, type Region } from '../core/config.js';
import { stateDir } from '../core/paths.js';
import { readManifestFiles, renderManifests } from '../manifests/index.js';
import { controlHandler } from './control.js';
import { startGateway, type GatewayHandle } from './index.js';
import { makeSelfSignedCert } from './tls.js';

const log = (msg: string) => process.stderr.write(`[gateway] ${new Date().toISOString()} ${msg}\n`);

function die(msg: string): never {
  process.stderr.write(`gateway: ${msg}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    region: { type: 'string' },
    backend: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'https-port': { type: 'string' },
    'http-port': { type: 'string' },
    'keycloak-port': { type: 'string' },
    'manifests-dir': { type: 'string' },
    'manifests-file': { type: 'string' },
    'jwks-refresh-seconds': { type: 'string' },
    'admin-port': { type: 'string' },
    'admin-socket': { type: 'string' },
  },
  strict: true,
});

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) die(`--${name} must be a port/number, got "${v}"`);
  return n;
};

const region = values.region as Region | undefined;
if (!region || !(REGIONS as readonly string[]).includes(region)) die(`--region must be one of ${REGIONS.join(', ')}`);
const backendArg = values.backend ?? die('--backend <host:port> is required');
const [bHost, bPort] = [backendArg.slice(0, backendArg.lastIndexOf(':')), int('backend', backendArg.slice(backendArg.lastIndexOf(':') + 1))];
if (!bHost || bPort === undefined) die(`--backend must be host:port, got "${backendArg}"`);

const cfg = makeConfig({
  target: 'local',
  regions: [region],
  keycloakPort: int('keycloak-port', values['keycloak-port']),
  portOverrides: { [region]: { https: int('https-port', values['https-port']), http: int('http-port', values['http-port']) } },
});

function readDocs(): unknown[] {
  if (values['manifests-file']) return readManifestFiles([values['manifests-file']]).map((s) => s.doc);
  return renderManifests(cfg, region!, { manifestsDir: values['manifests-dir'] });
}

async function listenSocket(server: Server, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // A socket left by a crashed gateway would make listen() fail with EADDRINUSE.
  if (existsSync(path)) rmSync(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
}

async function main() {
  const tls =
    values.cert && values.key
      ? { cert: readFileSync(values.cert, 'utf8'), key: readFileSync(values.key, 'utf8') }
      : await makeSelfSignedCert({ hosts: ['localhost', '127.0.0.1'] });
  const gw: GatewayHandle = await startGateway({
    cfg,
    region: region!,
    docs: readDocs(),
    backend: { host: bHost, port: bPort! },
    tls,
    jwksRefreshSeconds: int('jwks-refresh-seconds', values['jwks-refresh-seconds']) ?? JWKS_REFRESH_SECONDS,
    log,
  });

  const handler = controlHandler(gw, readDocs);
  let adminPort: number | null = null;
  const adminWanted = int('admin-port', values['admin-port']);
  const admin = adminWanted === undefined ? undefined : createServer((req, res) => void handler(req, res));
  if (admin) {
    await new Promise<void>((r) => admin.listen(adminWanted, '127.0.0.1', () => r()));
    adminPort = (admin.address() as AddressInfo).port;
  }
  const socketArg = values['admin-socket'] ?? join(process.env.LAB_LOCAL_ROOT ?? join(stateDir(), 'local'), `gateway-${region}.sock`);
  let adminSocket: string | null = null;
  const socketServer = socketArg === 'none' ? undefined : createServer((req, res) => void handler(req, res));
  if (socketServer) {
    await listenSocket(socketServer, socketArg);
    adminSocket = socketArg;
  }

  process.on('SIGHUP', () => {
    log('SIGHUP: reloading manifests and refreshing JWKS');
    Promise.resolve()
      .then(() => gw.reload(readDocs()))
      .then(() => gw.refreshJwksNow())
      .catch((e: Error) => log(`reload failed: ${e.message}`));
  });
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: closing`);
    admin?.close();
    socketServer?.close();
    if (adminSocket) rmSync(adminSocket, { force: true });
    void gw.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  process.stdout.write(`GATEWAY READY ${JSON.stringify({ region, https: gw.ports.https, http: gw.ports.http ?? null, admin: adminPort, adminSocket, pid: process.pid })}\n`);
}

main().catch((e) => {
  process.stderr.write(`gateway: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
