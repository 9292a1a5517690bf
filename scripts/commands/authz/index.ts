// `npm run -s lab -- authz --manifests <yaml>... --jwks <jwksUri>=<file>... --request <file>
//   [--now <unix-seconds>] [--workload-namespace ns] [--workload-labels k=v,...] [--trace] --json`
// Decides, without any network, what Istio 1.23.2's ingress gateway does with
// each request: the same engine the local gateway runs. Exit 0 whatever the
// decisions; non-zero only for bad input (unreadable file, invalid manifest).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse } from '../../core/cli.js';
import { GATEWAY_WORKLOAD } from '../../core/config.js';
import { LabError } from '../../core/errors.js';
import { info, printJson, warn } from '../../core/log.js';
import { explainSync, jwksKeyFor, loadPolicies, normalizePath, validatePolicy } from '../../engine/index.js';
import type { EngineRequest, Explained, Jwks, Workload } from '../../engine/types.js';
import { manifestFiles, readManifestFiles } from '../../manifests/index.js';

const HELP = `usage: npm run -s lab -- authz --manifests <file|dir>... --jwks <jwksUri>=<file>... --request <file> [options] --json

Decides what Istio 1.23.2's ingress gateway would answer, with no network:
CUSTOM, then jwt_authn (parse, issuer, time +-60 s, audience, key, signature),
then RBAC (DENY, ALLOW, implicit deny). The local gateway uses the same engine.

  --manifests <file|dir>     YAML files (several documents each) or folders; repeatable.
                             Only RequestAuthentication/AuthorizationPolicy count.
  --jwks <jwksUri>=<file>    the JWKS the proxy holds for a jwtRule's jwksUri; repeatable.
                             A jwksUri without one is treated as unreachable (istiod's fake key).
  --request <file>           {"method","path","headers"} or an array of them.
  --now <unix-seconds>       evaluation time (default: now).
  --workload-namespace <ns>  default istio-system
  --workload-labels k=v,...  default istio=ingressgateway,app=istio-ingressgateway
  --trace                    add the engine's reasoning ("trace") to each result
  --json                     JSON output (one object, or an array for an array of requests)

Output per request: {"decision":"allow","upstreamHeaders":{...}} or
{"decision":"deny","status":401|403,"body":"<Envoy's body>","headers":{...}}.
Exit code: 0 whatever the decisions; 1 for unreadable or invalid input; 2 for bad arguments.`;

const FIX = 'npm run -s lab -- authz --help';

function fail(what: string, why: string, fix = FIX): never {
  throw new LabError(what, why, fix, 1);
}

function expandManifestPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) fail(`cannot read manifest ${p}`, 'no such file or folder');
    if (statSync(p).isDirectory()) {
      const files = manifestFiles(p);
      if (!files.length) fail(`no YAML files in ${p}`, 'the folder has no .yaml/.yml file');
      out.push(...files);
    } else out.push(p);
  }
  return out;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`cannot read ${what} ${file}`, (e as Error).message);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`${what} ${file} is not JSON`, (e as Error).message);
  }
}

function parseJwksArgs(specs: string[]): Map<string, Jwks> {
  const map = new Map<string, Jwks>();
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    if (eq <= 0 || eq === spec.length - 1) {
      throw new LabError(`bad --jwks "${spec}"`, 'expected <jwksUri>=<file>', 'npm run -s lab -- authz --jwks http://127.0.0.1:8090/realms/bookstore-platform/protocol/openid-connect/certs=jwks.json ...', 2);
    }
    const uri = spec.slice(0, eq);
    const file = spec.slice(eq + 1);
    const value = readJson(file, 'JWKS');
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`JWKS ${file} is not a JSON object`, 'a JWKS looks like {"keys":[...]}');
    map.set(uri, value as Jwks);
  }
  return map;
}

function parseRequest(raw: unknown, i: number, file: string): EngineRequest {
  const where = `${file} request ${i + 1}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`${where} is not an object`, 'expected {"method": "GET", "path": "/api/books", "headers": {...}}');
  const r = raw as Record<string, unknown>;
  const method = r.method ?? 'GET';
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) fail(`${where}: bad method`, `method must be an HTTP method name, got ${JSON.stringify(r.method)}`);
  if (typeof r.path !== 'string' || !r.path.startsWith('/')) fail(`${where}: bad path`, `path must be a string starting with "/", got ${JSON.stringify(r.path)}`);
  const headers: Record<string, string | string[]> = {};
  if (r.headers !== undefined) {
    if (r.headers === null || typeof r.headers !== 'object' || Array.isArray(r.headers)) fail(`${where}: bad headers`, 'headers must be an object of name -> string (or array of strings)');
    for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) {
      if (typeof v === 'string') headers[k.toLowerCase()] = v;
      else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) headers[k.toLowerCase()] = v as string[];
      else fail(`${where}: header ${k} is not a string`, 'header values are strings (or arrays of strings)');
    }
  }
  const scheme = r.scheme === 'http' || r.scheme === 'https' ? r.scheme : undefined;
  if (r.scheme !== undefined && !scheme) fail(`${where}: bad scheme`, 'scheme is "http" or "https"');
  return {
    method: method.toUpperCase(),
    path: r.path,
    headers,
    host: typeof r.host === 'string' ? r.host : undefined,
    scheme,
    sourceIp: typeof r.sourceIp === 'string' ? r.sourceIp : undefined,
    port: typeof r.port === 'number' ? r.port : undefined,
  };
}

function parseWorkload(ns: string | undefined, labels: string | undefined): Workload {
  const out: Workload = { namespace: ns ?? GATEWAY_WORKLOAD.namespace, labels: { ...GATEWAY_WORKLOAD.labels } };
  if (labels !== undefined) {
    out.labels = {};
    for (const pair of labels.split(',').map((s) => s.trim()).filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new LabError(`bad --workload-labels "${labels}"`, `"${pair}" is not k=v`, 'npm run -s lab -- authz --workload-labels istio=ingressgateway,app=istio-ingressgateway ...', 2);
      out.labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return out;
}

function render(e: Explained, req: EngineRequest, trace: boolean): Record<string, unknown> {
  const d = e.decision;
  const out: Record<string, unknown> =
    d.decision === 'allow' ? { decision: 'allow', upstreamHeaders: d.upstreamHeaders } : { decision: 'deny', status: d.status, body: d.body, headers: d.headers };
  if (d.decision === 'allow' && d.upstreamPath !== undefined && d.upstreamPath !== normalizePath(req.path)) out.upstreamPath = d.upstreamPath;
  if (trace) {
    out.trace = e.trace;
    if (e.matchedPolicy) out.matchedPolicy = e.matchedPolicy;
  }
  return out;
}

function human(e: Explained, req: EngineRequest): string {
  const d = e.decision;
  const head = d.decision === 'allow' ? `${req.method} ${req.path} -> allow` : `${req.method} ${req.path} -> ${d.status} ${d.body}`;
  return [head, ...e.trace.map((t) => `  ${t.ok ? '✓' : '✗'} [${t.stage}/${t.check}] ${t.detail}`)].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('authz', argv, {
    manifests: { type: 'string', multiple: true },
    jwks: { type: 'string', multiple: true },
    request: { type: 'string' },
    now: { type: 'string' },
    'workload-namespace': { type: 'string' },
    'workload-labels': { type: 'string' },
    trace: { type: 'boolean', default: false },
  });
  if (values.help) {
    info(HELP);
    return 0;
  }
  // `--manifests a.yaml b.yaml` works too: trailing YAML paths count as manifests.
  const extra = positionals.filter((p) => /\.(ya?ml)$/i.test(p));
  const stray = positionals.filter((p) => !/\.(ya?ml)$/i.test(p));
  if (stray.length) throw new LabError(`unexpected argument "${stray[0]}"`, 'files are given with --manifests, --jwks or --request', FIX, 2);
  const manifestArgs = [...((values.manifests as string[] | undefined) ?? []), ...extra];
  if (!manifestArgs.length) throw new LabError('no --manifests given', 'the decision needs the RequestAuthentication/AuthorizationPolicy documents', 'npm run -s lab -- authz --manifests manifests/ --jwks <uri>=<file> --request req.json --json', 2);
  if (!values.request) throw new LabError('no --request given', 'say which request to decide', 'npm run -s lab -- authz --manifests manifests/ --request req.json --json', 2);

  let now: number | undefined;
  if (values.now !== undefined) {
    now = Number(values.now);
    if (!Number.isInteger(now) || now < 0) throw new LabError(`bad --now "${values.now}"`, 'expected whole unix seconds', 'npm run -s lab -- authz ... --now 1700000000', 2);
  }
  const workload = parseWorkload(values['workload-namespace'] as string | undefined, values['workload-labels'] as string | undefined);

  const files = expandManifestPaths(manifestArgs);
  let sourced;
  try {
    sourced = readManifestFiles(files);
  } catch (e) {
    fail('cannot parse the manifests', (e as Error).message, 'fix the YAML, then: npm run lab -- lint --manifests <file>');
  }
  const invalid = sourced.flatMap((s) => validatePolicy(s.doc).map((m) => `${s.file} (document ${s.index + 1}): ${m}`));
  if (invalid.length) fail('invalid manifest (istiod would reject it)', invalid.join('\n       '), `fix the policy, then check it with: npm run lab -- lint --manifests ${files[0]}`);
  const policies = loadPolicies(sourced.map((s) => s.doc));

  const jwks = parseJwksArgs((values.jwks as string[] | undefined) ?? []);
  for (const rule of policies.requestAuthentications.flatMap((r) => r.jwtRules)) {
    const key = jwksKeyFor(rule);
    if (!rule.jwks && !jwks.has(key)) warn(`no --jwks for ${key}: treated as unreachable (istiod inlines a fake key; every token fails)`);
  }
  for (const uri of jwks.keys()) {
    if (!policies.requestAuthentications.some((r) => r.jwtRules.some((j) => jwksKeyFor(j) === uri))) warn(`--jwks ${uri} matches no jwtRule's jwksUri`);
  }

  const rawRequests = readJson(values.request, 'request file');
  const list = Array.isArray(rawRequests) ? rawRequests : [rawRequests];
  const requests = list.map((r, i) => parseRequest(r, i, values.request as string));
  const results = requests.map((req) => ({ req, e: explainSync(req, policies, (uri) => jwks.get(uri), { workload, now }) }));

  if (values.json) {
    const rendered = results.map(({ req, e }) => render(e, req, Boolean(values.trace)));
    printJson(Array.isArray(rawRequests) ? rendered : rendered[0]);
  } else {
    info(results.map(({ req, e }) => human(e, req)).join('\n\n'));
  }
  return 0;
}
