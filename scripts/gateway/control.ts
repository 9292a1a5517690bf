// The gateway's control channel (a real Istio gateway has none; this stands in
// for `kubectl apply` + istiod's push, and for istiod's JWKS refresh). Served
// on a unix socket in the lab's state dir ($LAB_STATE_DIR/local/gateway-<region>.sock)
// and, when asked, on a loopback admin port. JSON in and out:
//   GET  /policies                 -> { docs, source, loadedAt }   (RequestAuthentication/AuthorizationPolicy in force)
//   PUT  /policies {docs, source}  -> { applied, errors? }         (istiod validation first; all or nothing)
//   GET  /jwks                     -> { refreshSeconds, fetches, entries: [{ key, jwks?, lastSuccess?, lastError?, fetches }] }
//   POST /jwks/refresh[?restart=1] -> { fetches }                  (restart=1: next refresh one full interval later)
//   POST /reload                   -> { rejected }                 (re-read the manifests the process was started with)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayHandle } from './index.js';

const MAX_BODY = 5 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

export function controlHandler(gw: GatewayHandle, reloadDocs: () => unknown[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (code: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const url = new URL(req.url ?? '/', 'http://control');
    try {
      if (req.method === 'GET' && url.pathname === '/policies') return send(200, gw.currentPolicies());
      if (req.method === 'PUT' && url.pathname === '/policies') {
        const body = (await readBody(req)) as { docs?: unknown; source?: unknown };
        if (!Array.isArray(body.docs)) return send(400, { applied: false, errors: ['body must be {"docs": [...], "source": "..."}'] });
        const r = await gw.setPolicies(body.docs, typeof body.source === 'string' ? body.source : 'control channel');
        return send(r.applied ? 200 : 422, r);
      }
      if (req.method === 'GET' && url.pathname === '/jwks') {
        return send(200, { refreshSeconds: gw.jwksRefreshSeconds, fetches: gw.jwksFetchCount(), entries: gw.jwksState() });
      }
      if (req.method === 'POST' && url.pathname === '/jwks/refresh') {
        await gw.refreshJwksNow({ restartTimer: url.searchParams.get('restart') === '1' });
        return send(200, { fetches: gw.jwksFetchCount() });
      }
      if (req.method === 'POST' && url.pathname === '/reload') {
        await gw.reload(reloadDocs());
        return send(200, { rejected: gw.rejected() });
      }
      send(404, { error: 'GET/PUT /policies, GET /jwks, POST /jwks/refresh[?restart=1], POST /reload' });
    } catch (e) {
      send(500, { error: (e as Error).message });
    }
  };
}
