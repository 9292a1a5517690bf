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
//   --admin-port <n>                      optional loopback admin: GET /jwks, POST /jwks/refresh, POST /reload
// env: LAB_PORT_OFFSET, LAB_STATE_DIR (logs go to stdout/stderr; the caller redirects them).
//
// Signals: SIGTERM/SIGINT close the listeners and exit 0. SIGHUP re-reads the
// manifests (what istiod pushes after `kubectl apply`) and fetches JWKS now.
// Ready line on stdout, once listening:
//   GATEWAY READY {"region":"us-east","https":8443,"http":8080,"admin":null,"pid":1234}
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { JWKS_REFRESH_SECONDS, makeConfig, REGIONS, type Region } from '../core/config.js';
import { readManifestFiles, renderManifests } from '../manifests/index.js';
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

  let adminPort: number | null = null;
  const adminWanted = int('admin-port', values['admin-port']);
  const admin =
    adminWanted === undefined
      ? undefined
      : createServer(async (req, res) => {
          const send = (code: number, body: unknown) => {
            res.writeHead(code, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
          };
          try {
            if (req.method === 'GET' && req.url === '/jwks') return send(200, { fetches: gw.jwksFetchCount(), entries: gw.jwksState().map(({ jwks, ...rest }) => ({ ...rest, kids: jwks?.keys?.map((k) => k.kid) ?? null })) });
            if (req.method === 'POST' && req.url === '/jwks/refresh') {
              await gw.refreshJwksNow();
              return send(200, { fetches: gw.jwksFetchCount() });
            }
            if (req.method === 'POST' && req.url === '/reload') {
              await gw.reload(readDocs());
              return send(200, { rejected: gw.rejected() });
            }
            send(404, { error: 'GET /jwks, POST /jwks/refresh, POST /reload' });
          } catch (e) {
            send(500, { error: (e as Error).message });
          }
        });
  if (admin) {
    await new Promise<void>((r) => admin.listen(adminWanted, '127.0.0.1', () => r()));
    adminPort = (admin.address() as AddressInfo).port;
  }

  process.on('SIGHUP', () => {
    log('SIGHUP: reloading manifests and refreshing JWKS');
    try {
      void gw.reload(readDocs()).then(() => gw.refreshJwksNow());
    } catch (e) {
      log(`reload failed: ${(e as Error).message}`);
    }
  });
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: closing`);
    admin?.close();
    void gw.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  process.stdout.write(`GATEWAY READY ${JSON.stringify({ region, https: gw.ports.https, http: gw.ports.http ?? null, admin: adminPort, pid: process.pid })}\n`);
}

main().catch((e) => {
  process.stderr.write(`gateway: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
