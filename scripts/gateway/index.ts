// The local target's Istio ingress gateway: an https and an http listener on
// the region's ports (127.0.0.1), every request through the one engine
// (CUSTOM -> jwt_authn -> RBAC), then the Gateway/VirtualService routes to the
// catalog backend. Denials are Envoy's local replies, byte for byte in status,
// body and the headers that matter.
import { createServer as createHttpServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { GATEWAY_WORKLOAD, JWKS_REFRESH_SECONDS, type LabConfig, type Region } from '../core/config.js';
import { explainSync, jwksKeyFor, loadPolicies, validatePolicy, type PolicySet } from '../engine/index.js';
import type { EngineRequest, Workload } from '../engine/types.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forward.js';
import { JwksStore, httpFetchJson, type FetchJson } from './jwks-store.js';
import { buildRoutes, findRoute, type RouteTable } from './routes.js';

/** Envoy's default max_request_headers_kb. */
export const MAX_HEADER_BYTES = 60 * 1024;
/** Pod ports of the istio gateway chart: what `ports`/destination.port see on kind. */
export const POD_PORTS = { https: 8443, http: 8080 } as const;

export interface GatewayOptions {
  cfg: LabConfig;
  region: Region;
  /** Rendered manifests (all kinds; the gateway picks what it needs). */
  docs: unknown[];
  backend: { host: string; port: number };
  tls: { cert: string; key: string };
  jwksRefreshSeconds?: number;
  fetchJwks?: FetchJson;
  /** Override listener ports (0 = ephemeral, for tests); default cfg.ports[region]. */
  ports?: { https?: number; http?: number };
  workload?: Workload;
  log?: (msg: string) => void;
}

export interface GatewayHandle {
  close(): Promise<void>;
  jwksFetchCount(): number;
  /** Fetch every tracked JWKS now; restartTimer makes the next scheduled refresh one full interval away. */
  refreshJwksNow(opts?: { restartTimer?: boolean }): Promise<void>;
  jwksRefreshSeconds: number;
  /** The RequestAuthentication/AuthorizationPolicy documents in force, and where they came from. */
  currentPolicies(): { docs: unknown[]; source: string; loadedAt: string };
  /** Replace only the security policies (routes stay); all-or-nothing after istiod's validation. */
  setPolicies(docs: unknown[], source: string): Promise<{ applied: boolean; errors?: string[] }>;
  /** Re-read policies and routes (what istiod pushes after kubectl apply). */
  reload(docs: unknown[]): Promise<void>;
  ports: { https: number; http?: number };
  /** Documents skipped because istiod's validation would reject them. */
  rejected(): string[];
  jwksState(): ReturnType<JwksStore['state']>;
  /** Re-fetch now and restart the refresh timer (what restarting istiod does). */
  restartJwks(): Promise<void>;
}

interface Live {
  policies: PolicySet;
  routes: RouteTable;
  rejected: string[];
  securityDocs: unknown[];
  source: string;
  loadedAt: string;
}

const isSecurityKind = (d: unknown) => {
  const k = (d as { kind?: unknown } | null)?.kind;
  return k === 'RequestAuthentication' || k === 'AuthorizationPolicy';
};

function compile(docs: unknown[], workload: Workload, source: string): Live {
  const rejected: string[] = [];
  const kept = docs.filter((d) => {
    const errs = validatePolicy(d);
    rejected.push(...errs);
    return errs.length === 0;
  });
  return {
    policies: loadPolicies(kept),
    routes: buildRoutes(kept, workload),
    rejected,
    securityDocs: kept.filter(isSecurityKind),
    source,
    loadedAt: new Date().toISOString(),
  };
}

/** Raw headers keep repeats (Node's req.headers drops a second Authorization). */
function rawHeaderMap(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!.toLowerCase();
    (out[k] ??= []).push(req.rawHeaders[i + 1]!);
  }
  return out;
}

function localReply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const h: Record<string, string> = { ...headers, date: new Date().toUTCString(), server: 'istio-envoy' };
  if (body) h['content-length'] = String(Buffer.byteLength(body));
  else {
    delete h['content-type'];
    h['content-length'] = '0';
  }
  res.writeHead(status, h);
  res.end(body);
}

export async function startGateway(opts: GatewayOptions): Promise<GatewayHandle> {
  const log = opts.log ?? (() => {});
  const workload = opts.workload ?? GATEWAY_WORKLOAD;
  const store = new JwksStore(opts.fetchJwks ?? httpFetchJson, opts.jwksRefreshSeconds ?? JWKS_REFRESH_SECONDS, log);
  let live = compile(opts.docs, workload, 'rendered manifests');
  for (const r of live.rejected) log(`rejected (istiod validation): ${r}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  const jwksKeys = (p: PolicySet) => [...new Set(p.requestAuthentications.flatMap((ra) => ra.jwtRules.filter((j) => !j.jwks).map(jwksKeyFor)))];
  await store.track(jwksKeys(live.policies));
  store.start();

  const handle = (scheme: 'http' | 'https') => (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const path = req.url ?? '/';
    const host = req.headers.host ?? '';
    const remote = req.socket.remoteAddress ?? '';
    if (scheme === 'http' && live.routes.servers.httpsRedirect) {
      res.writeHead(301, { location: `https://${host}${path}`, date: new Date().toUTCString(), server: 'istio-envoy', 'content-length': '0' });
      res.end();
      return;
    }
    const engineReq: EngineRequest = {
      method: req.method ?? 'GET',
      path,
      headers: rawHeaderMap(req),
      host,
      scheme,
      sourceIp: remote.replace(/^::ffff:/, ''),
      port: POD_PORTS[scheme],
      sni: scheme === 'https' ? ((req.socket as TLSSocket).servername || undefined) : undefined,
    };
    let explained;
    try {
      explained = explainSync(engineReq, live.policies, store.lookup, { workload });
    } catch (e) {
      // Never crash the listener on a request; this would be a bug in the engine.
      log(`engine error: ${(e as Error).stack ?? e}`);
      localReply(res, 500, 'engine error', { 'content-type': 'text/plain' });
      return;
    }
    const d = explained.decision;
    if (d.decision === 'deny') {
      req.resume();
      localReply(res, d.status, d.body, d.headers);
      return;
    }
    const upstreamPath = d.upstreamPath ?? path;
    const route = findRoute(live.routes, { method: engineReq.method, path: upstreamPath, host, header: (n) => req.headers[n] as string | undefined });
    if (!route) {
      req.resume();
      localReply(res, 404, '');
      return;
    }
    let forwardPath = upstreamPath;
    if (route.rewriteUri !== undefined) {
      const m = route.match.find((x) => x.uri?.prefix && upstreamPath.startsWith(x.uri.prefix));
      if (m?.uri?.prefix) forwardPath = route.rewriteUri + upstreamPath.slice(m.uri.prefix.length);
    }
    const headers = upstreamRequestHeaders(d.upstreamHeaders, { scheme, remoteAddress: remote });
    const up = httpRequest(
      { host: opts.backend.host, port: opts.backend.port, method: engineReq.method, path: forwardPath, headers, agent },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, downstreamResponseHeaders(upRes.headers, performance.now() - started));
        upRes.pipe(res);
      },
    );
    up.on('error', (e) => {
      log(`upstream error: ${e.message}`);
      if (!res.headersSent) {
        localReply(
          res,
          503,
          'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, transport failure reason: delayed connect error: 111',
          { 'content-type': 'text/plain' },
        );
      } else res.destroy();
    });
    req.pipe(up);
  };

  const onClientError = (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      socket.end(`HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nserver: istio-envoy\r\nconnection: close\r\n\r\n`);
    } else {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nserver: istio-envoy\r\nconnection: close\r\n\r\n');
    }
  };

  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, opts.cfg.host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });

  const sockets = new Set<Socket>();
  const track = (s: Server) => {
    s.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    s.on('clientError', onClientError);
    s.keepAliveTimeout = 5_000;
    return s;
  };

  const httpsServer = track(createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, maxHeaderSize: MAX_HEADER_BYTES }, handle('https')) as unknown as Server);
  const wanted = opts.cfg.ports[opts.region];
  const httpsPort = await listen(httpsServer, opts.ports?.https ?? wanted.https);
  // No HTTP server in the Gateway means no listener at all on the http port, like Istio.
  let httpServer: Server | undefined;
  let httpPort: number | undefined;
  if (live.routes.servers.http || live.routes.servers.httpsRedirect) {
    httpServer = track(createHttpServer({ maxHeaderSize: MAX_HEADER_BYTES }, handle('http')));
    try {
      httpPort = await listen(httpServer, opts.ports?.http ?? wanted.http);
    } catch (e) {
      httpsServer.close();
      throw e;
    }
  } else log('the Gateway has no HTTP server: no listener on the http port');

  const closeServer = (s: Server | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));
  return {
    ports: { https: httpsPort, http: httpPort },
    jwksFetchCount: () => store.fetchCount(),
    async refreshJwksNow(o = {}) {
      await store.refresh();
      if (o.restartTimer) store.restartTimer();
    },
    jwksRefreshSeconds: store.intervalSeconds,
    rejected: () => [...live.rejected],
    jwksState: () => store.state(),
    restartJwks: () => store.restart(),
    currentPolicies: () => ({ docs: live.securityDocs, source: live.source, loadedAt: live.loadedAt }),
    async setPolicies(docs, source) {
      const security = docs.filter(isSecurityKind);
      const errors = security.flatMap((d) => validatePolicy(d));
      if (errors.length) return { applied: false, errors };
      const policies = loadPolicies(security);
      live = { ...live, policies, securityDocs: security, source, loadedAt: new Date().toISOString(), rejected: [] };
      log(`policies replaced (${source}): ${policies.requestAuthentications.length} RequestAuthentication(s), ${policies.authorizationPolicies.length} AuthorizationPolicy(ies)`);
      await store.track(jwksKeys(policies));
      return { applied: true };
    },
    async reload(docs) {
      const next = compile(docs, workload, 'manifests re-read');
      for (const r of next.rejected) log(`rejected (istiod validation): ${r}`);
      live = next;
      await store.track(jwksKeys(next.policies));
    },
    async close() {
      store.close();
      const closing = Promise.all([closeServer(httpsServer), closeServer(httpServer)]);
      for (const s of sockets) s.destroy();
      agent.destroy();
      await closing;
    },
  };
}
