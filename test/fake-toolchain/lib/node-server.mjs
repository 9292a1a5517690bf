// The fake kind "node": binds the cluster's extraPortMappings on the host
// (what Docker does for a node container) and answers on them only as far as
// the cluster's state allows, so the readiness wait proves the chain
//   host port → kind mapping → NodePort in the Helm values → Gateway server →
//   TLS Secret → VirtualService → Service → Deployment (+ its ConfigMap)
// and the AuthorizationPolicies, decided by the project's one Istio engine.
// Anything missing behaves like the real thing: reset connections, 404, 503.
//
// usage: node node-server.mjs <FAKE_STATE_DIR> <cluster-name>
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createSecureContext, TLSSocket } from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deployed, findObject, objectsOf, workloads } from './cluster.mjs';

const [stateDir, clusterName] = process.argv.slice(2);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const statusFile = join(stateDir, 'servers', `${clusterName}.status`);
const GATEWAY_LABELS = { istio: 'ingressgateway', app: 'istio-ingressgateway' };

function cluster() {
  const s = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'));
  return s.clusters[clusterName];
}

// The engine is TypeScript; load it through tsx on first use.
let engineP;
function engine() {
  engineP ??= (async () => {
    const { register } = await import('tsx/esm/api');
    register();
    return import(pathToFileURL(join(REPO, 'scripts', 'engine', 'index.ts')).href);
  })();
  return engineP;
}

const ready = (c, kind, ns, name) => workloads(c).some((w) => w.kind === kind && w.namespace === ns && w.name === name && w.ready);

/** What answers on a NodePort: 'keycloak', { gateway, targetPort }, or undefined (nothing: reset). */
function serviceOn(c, nodePort) {
  const kc = c.releases['keycloak/keycloak'];
  if (kc?.status === 'deployed' && kc.config?.service?.type === 'NodePort' && String(kc.config.service.nodePorts?.http) === String(nodePort)) {
    return ready(c, 'StatefulSet', 'keycloak', 'keycloak') ? { keycloak: kc } : undefined;
  }
  const gw = c.releases['istio-system/istio-ingressgateway'];
  if (gw?.status === 'deployed' && gw.config?.service?.type === 'NodePort') {
    const port = (gw.config.service.ports ?? []).find((p) => Number(p.nodePort) === Number(nodePort));
    if (port && ready(c, 'Deployment', 'istio-system', 'istio-ingressgateway')) return { targetPort: Number(port.targetPort) };
  }
  return undefined;
}

function selects(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** The Gateway server for a gateway pod port, with the Gateway it belongs to. */
function gatewayServer(c, targetPort) {
  for (const g of objectsOf(c, 'Gateway')) {
    if (!selects(g.spec?.selector, GATEWAY_LABELS)) continue;
    const server = (g.spec?.servers ?? []).find((s) => Number(s.port?.number) === targetPort);
    if (server) return { gateway: g, server };
  }
  return undefined;
}

function tlsContext(c, server) {
  const name = server.tls?.credentialName;
  if (server.tls?.mode !== 'SIMPLE' || !name) return undefined;
  const secret = findObject(c, 'Secret', 'istio-system', name);
  if (!secret || secret.type !== 'kubernetes.io/tls') return undefined;
  const dec = (k) => Buffer.from(secret.data?.[k] ?? '', 'base64').toString('utf8');
  return createSecureContext({ cert: dec('tls.crt'), key: dec('tls.key') });
}

function routeFor(c, gateway, path) {
  const gwRef = `${gateway.metadata.namespace ?? 'default'}/${gateway.metadata.name}`;
  for (const vs of objectsOf(c, 'VirtualService')) {
    const vsNs = vs.metadata.namespace ?? 'default';
    const refs = (vs.spec?.gateways ?? []).map((g) => (g.includes('/') ? g : `${vsNs}/${g}`));
    if (!refs.includes(gwRef)) continue;
    for (const http of vs.spec?.http ?? []) {
      const matches = http.match ?? [{}];
      const hit = matches.some((m) => (!m.uri ? true : m.uri.prefix ? path.startsWith(m.uri.prefix) : m.uri.exact ? path === m.uri.exact : false));
      if (hit) return { vsNs, destination: http.route?.[0]?.destination };
    }
  }
  return undefined;
}

/** The catalog behind a destination: Service → ready Deployment → its ConfigMap files. */
function backend(c, vsNs, destination) {
  const [svcName, ns = vsNs] = String(destination?.host ?? '').split('.');
  const svc = findObject(c, 'Service', ns, svcName);
  if (!svc) return undefined;
  const dep = objectsOf(c, 'Deployment', ns).find((d) => selects(svc.spec?.selector, d.spec?.template?.metadata?.labels ?? {}));
  if (!dep || !ready(c, 'Deployment', ns, dep.metadata.name)) return undefined;
  const files = {};
  for (const v of dep.spec.template.spec.volumes ?? []) {
    const cm = v.configMap && findObject(c, 'ConfigMap', ns, v.configMap.name);
    if (!cm) continue;
    for (const item of v.configMap.items ?? Object.keys(cm.data ?? {}).map((k) => ({ key: k, path: k }))) files[item.path] = cm.data?.[item.key];
  }
  return { files };
}

async function gatewayRequest(req, res, targetPort, scheme) {
  const c = cluster();
  const gs = gatewayServer(c, targetPort);
  const path = (req.url ?? '/').split('?')[0];
  const e = await engine().catch((err) => ({ error: err }));
  if (e.error) return res.writeHead(500).end(`fake gateway: the engine did not load: ${e.error.message}\n`);
  const policies = e.loadPolicies([...objectsOf(c, 'RequestAuthentication'), ...objectsOf(c, 'AuthorizationPolicy')]);
  // No JWKS fetched in the fake: istiod's behaviour when it cannot reach jwksUri.
  const decision = e.explainSync(
    { method: req.method, path: req.url, headers: req.headers, host: req.headers.host, scheme, port: targetPort === 443 ? 8443 : 8080 },
    policies,
    () => undefined,
  ).decision;
  if (decision.decision === 'deny') return res.writeHead(decision.status, { 'content-type': 'text/plain', ...decision.headers }).end(decision.body);
  const route = gs && routeFor(c, gs.gateway, path);
  if (!route) return res.writeHead(404).end();
  const be = backend(c, route.vsNs, route.destination);
  if (!be) return res.writeHead(503, { 'content-type': 'text/plain' }).end('no healthy upstream');
  if (path.startsWith('/static/')) {
    const body = be.files[path.slice(1)];
    return body === undefined ? res.writeHead(404).end('not found\n') : res.writeHead(200, { 'content-type': 'text/html' }).end(body);
  }
  return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ books: [], fakeCluster: clusterName }));
}

function keycloakRequest(req, res, release) {
  const env = Object.fromEntries((release.config.extraEnvVars ?? []).map((e) => [e.name, e.value]));
  // Keycloak 24 (hostname v1): without KC_HOSTNAME_URL the issuer follows the request's own URL.
  const base = env.KC_HOSTNAME_URL ?? `http://${req.headers.host}`;
  const m = /^\/realms\/([^/]+)(\/.*)?$/.exec((req.url ?? '/').split('?')[0]);
  if ((req.url ?? '').startsWith('/admin')) return res.writeHead(302, { location: `${base}/admin/master/console/` }).end();
  const c = cluster();
  const realms = findObject(c, 'Secret', 'keycloak', (release.config.extraVolumes ?? []).find((v) => v.secret)?.secret?.secretName ?? '');
  if (!m || !(m[1] === 'master' || realms?.data?.[`${m[1]}.json`])) return res.writeHead(404).end('{"error":"Realm does not exist"}');
  const issuer = `${base}/realms/${m[1]}`;
  if (m[2] === '/.well-known/openid-configuration') {
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs` }));
  }
  return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ realm: m[1] }));
}

function handler(nodePort) {
  const http = createHttpServer();
  http.on('request', (req, res) => {
    const svc = serviceOn(cluster(), nodePort);
    if (!svc) return req.socket.destroy();
    if (svc.keycloak) return keycloakRequest(req, res, svc.keycloak);
    gatewayRequest(req, res, svc.targetPort, req.socket.encrypted ? 'https' : 'http').catch((e) => res.writeHead(500).end(String(e)));
  });
  return (socket) => {
    socket.on('error', () => {});
    let c;
    try {
      c = cluster();
    } catch {
      return socket.destroy();
    }
    const svc = c && serviceOn(c, nodePort);
    if (!svc) return socket.destroy(); // nothing behind this NodePort yet
    if (svc.keycloak) return http.emit('connection', socket);
    const gs = gatewayServer(c, svc.targetPort);
    if (!gs) return socket.destroy(); // Envoy has no listener for this port
    if (svc.targetPort === 443 || gs.server.tls) {
      const ctx = tlsContext(c, gs.server);
      if (!ctx) return socket.destroy(); // no usable credential: the listener is not ready
      const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext: ctx });
      tlsSocket.on('error', () => {});
      return http.emit('connection', tlsSocket);
    }
    return http.emit('connection', socket);
  };
}

async function main() {
  const c = cluster();
  const mappings = c.config?.nodes?.[0]?.extraPortMappings ?? [];
  const servers = [];
  for (const m of mappings) {
    const srv = createNetServer(handler(m.containerPort));
    const err = await new Promise((res) => {
      srv.once('error', (e) => res(e));
      srv.listen({ host: m.listenAddress ?? '0.0.0.0', port: m.hostPort, exclusive: true }, () => res(undefined));
    });
    if (err) {
      servers.forEach((s) => s.close());
      writeFileSync(statusFile, `Bind for ${m.listenAddress}:${m.hostPort} failed: port is already allocated (${err.code})`);
      process.exit(1);
    }
    servers.push(srv);
  }
  writeFileSync(statusFile, 'ok');
  engine().catch(() => {}); // warm up while the cluster gets its charts
  // A node container does not outlive its cluster: stop once the cluster is
  // gone from the state (or the whole test dir is), or another node replaced us.
  setInterval(() => {
    let c;
    try {
      c = cluster();
    } catch (e) {
      if (e.code === 'ENOENT') process.exit(0);
      return; // a torn read; try again
    }
    if (!c || (c.serverPid && c.serverPid !== process.pid)) process.exit(0);
  }, 1000);
}

main();
