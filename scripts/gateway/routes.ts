// Routing from the Gateway and VirtualService documents, the subset the lab
// uses: a Gateway selecting the ingress workload, its HTTP/HTTPS servers, and
// VirtualServices bound to it with uri exact/prefix/regex (plus method and
// header) matches. Every route destination goes to the one local backend.
// No match -> Envoy's router answers 404 with an empty body.
import type { Workload } from '../engine/types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const NETWORKING = /^networking\.istio\.io\/(v1|v1beta1|v1alpha3)$/;

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface RouteMatch {
  uri?: StringMatch;
  method?: StringMatch;
  headers?: Record<string, StringMatch>;
}

export interface Route {
  /** VirtualService namespace/name and the http route's name or index. */
  name: string;
  hosts: string[];
  match: RouteMatch[];
  rewriteUri?: string;
  destination: { host: string; port?: number };
}

export interface RouteTable {
  /** Which protocols the bound Gateway servers expose. */
  servers: { http: boolean; https: boolean; httpsRedirect: boolean };
  routes: Route[];
}

function str(m: unknown): StringMatch | undefined {
  if (!isObj(m)) return undefined;
  const out: StringMatch = {};
  if (typeof m.exact === 'string') out.exact = m.exact;
  if (typeof m.prefix === 'string') out.prefix = m.prefix;
  if (typeof m.regex === 'string') out.regex = m.regex;
  return out;
}

export function buildRoutes(docs: unknown[], workload: Workload): RouteTable {
  const gateways: Array<{ ns: string; name: string; protocols: Set<string>; redirect: boolean }> = [];
  for (const d of docs) {
    if (!isObj(d) || d.kind !== 'Gateway' || typeof d.apiVersion !== 'string' || !NETWORKING.test(d.apiVersion)) continue;
    const meta = isObj(d.metadata) ? d.metadata : {};
    const spec = isObj(d.spec) ? d.spec : {};
    const sel = isObj(spec.selector) ? spec.selector : {};
    if (!Object.entries(sel).every(([k, v]) => workload.labels[k] === String(v))) continue;
    const protocols = new Set<string>();
    let redirect = false;
    for (const s of Array.isArray(spec.servers) ? spec.servers : []) {
      if (!isObj(s) || !isObj(s.port)) continue;
      const proto = String(s.port.protocol ?? '').toUpperCase();
      protocols.add(proto);
      if (proto === 'HTTP' && isObj(s.tls) && s.tls.httpsRedirect === true) redirect = true;
    }
    gateways.push({ ns: String(meta.namespace ?? 'default'), name: String(meta.name ?? ''), protocols, redirect });
  }
  const routes: Route[] = [];
  for (const d of docs) {
    if (!isObj(d) || d.kind !== 'VirtualService' || typeof d.apiVersion !== 'string' || !NETWORKING.test(d.apiVersion)) continue;
    const meta = isObj(d.metadata) ? d.metadata : {};
    const ns = String(meta.namespace ?? 'default');
    const spec = isObj(d.spec) ? d.spec : {};
    const bound = (Array.isArray(spec.gateways) ? spec.gateways : []).some((g) => {
      const [gns, gname] = String(g).includes('/') ? String(g).split('/') : [ns, String(g)];
      return gateways.some((gw) => gw.ns === gns && gw.name === gname);
    });
    if (!bound) continue;
    const hosts = (Array.isArray(spec.hosts) ? spec.hosts : ['*']).map(String);
    (Array.isArray(spec.http) ? spec.http : []).forEach((h, i) => {
      if (!isObj(h)) return;
      const dest = (Array.isArray(h.route) ? h.route : []).find(isObj);
      const destination = dest && isObj(dest.destination) ? dest.destination : undefined;
      if (!destination) return;
      const match = (Array.isArray(h.match) ? h.match : []).filter(isObj).map((m) => ({
        uri: str(m.uri),
        method: str(m.method),
        headers: isObj(m.headers) ? Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k.toLowerCase(), str(v) ?? {}])) : undefined,
      }));
      routes.push({
        name: `${ns}/${String(meta.name ?? '')}:${typeof h.name === 'string' ? h.name : i}`,
        hosts,
        match,
        rewriteUri: isObj(h.rewrite) && typeof h.rewrite.uri === 'string' ? h.rewrite.uri : undefined,
        destination: {
          host: String(destination.host ?? ''),
          port: isObj(destination.port) && typeof destination.port.number === 'number' ? destination.port.number : undefined,
        },
      });
    });
  }
  const protos = new Set(gateways.flatMap((g) => [...g.protocols]));
  return {
    servers: { http: protos.has('HTTP'), https: protos.has('HTTPS'), httpsRedirect: gateways.some((g) => g.redirect) },
    routes,
  };
}

function matchString(m: StringMatch | undefined, v: string | undefined): boolean {
  if (!m) return true;
  if (v === undefined) return false;
  if (m.exact !== undefined) return v === m.exact;
  if (m.prefix !== undefined) return v.startsWith(m.prefix);
  if (m.regex !== undefined) return new RegExp(`^(?:${m.regex})$`).test(v);
  return true;
}

function hostMatches(patterns: string[], hostHeader: string): boolean {
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase();
  return patterns.some((p) => {
    const pat = p.includes('/') ? p.split('/').pop()! : p;
    if (pat === '*') return true;
    if (pat.startsWith('*.')) return host.endsWith(pat.slice(1).toLowerCase());
    return host === pat.toLowerCase();
  });
}

/** First route whose host and any match apply (Envoy evaluates routes in order). */
export function findRoute(table: RouteTable, req: { method: string; path: string; host: string; header: (n: string) => string | undefined }): Route | undefined {
  const uri = req.path.split('?')[0] ?? req.path;
  return table.routes.find(
    (r) =>
      hostMatches(r.hosts, req.host) &&
      (r.match.length === 0 ||
        r.match.some(
          (m) =>
            matchString(m.uri, uri) &&
            matchString(m.method, req.method) &&
            Object.entries(m.headers ?? {}).every(([k, sm]) => matchString(sm, req.header(k))),
        )),
  );
}
