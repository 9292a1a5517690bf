// The one decision engine: what Istio 1.23.2's ingress gateway does with a
// request, given the RequestAuthentication/AuthorizationPolicy documents and
// the JWKS it holds. Filter order on the gateway: CUSTOM -> jwt_authn -> RBAC.
// See README "lab authz" and the file headers for the Envoy/Istio sources.
import { GATEWAY_WORKLOAD } from '../core/config.js';
import { buildProviders, runJwtAuthn, type Provider } from './authn.js';
import { HeaderMap } from './headers.js';
import { normalizePath } from './paths.js';
import type { PolicySet, RequestAuthenticationPolicy } from './policies.js';
import { evaluateCustom, evaluatePolicies, explainRuleMisses, selectAuthz, type RbacRequest } from './rbac.js';
import { scopeOf } from './scope.js';
import { JwtStatus, RBAC_DENIED_BODY, jwtFailureCode, type JwtStatusName } from './status.js';
import type { Decision, EngineRequest, Explained, JwksLookup, TraceStep, Workload } from './types.js';

export type * from './types.js';
export type { PolicySet } from './policies.js';
export { loadPolicies } from './load.js';
export { validatePolicy } from './validate.js';
export { jwksKeyFor } from './authn.js';
export { normalizePath } from './paths.js';
export { JwtStatus, RBAC_DENIED_BODY } from './status.js';
export { FAKE_JWKS } from './jwks.js';

export interface ExplainOptions {
  workload?: Workload;
  /** Unix seconds; defaults to the clock. */
  now?: number;
}

/** Envoy's buildOriginalUri keeps at most 256 characters of the path. */
const MAX_URI_PATH = 256;

interface Prepared {
  ras: RequestAuthenticationPolicy[];
  providers: Provider[];
  authz: ReturnType<typeof selectAuthz>;
  scopeTrace: TraceStep[];
}

const prepared = new WeakMap<PolicySet, Map<string, Prepared>>();

function prepare(policies: PolicySet, workload: Workload): Prepared {
  const key = JSON.stringify([workload.namespace, Object.entries(workload.labels).sort()]);
  let byWorkload = prepared.get(policies);
  if (!byWorkload) {
    byWorkload = new Map();
    prepared.set(policies, byWorkload);
  }
  const hit = byWorkload.get(key);
  if (hit) return hit;
  const scopeTrace: TraceStep[] = [];
  const ras: RequestAuthenticationPolicy[] = [];
  for (const ra of policies.requestAuthentications) {
    const v = scopeOf(ra, workload);
    const id = `${ra.meta.namespace}/${ra.meta.name}`;
    if (v.applies) {
      ras.push(ra);
      scopeTrace.push({ stage: 'jwt_authn', check: 'scope', ok: true, detail: `RequestAuthentication ${id} applies (${ra.jwtRules.length} jwtRule(s))` });
    } else scopeTrace.push({ stage: 'jwt_authn', check: 'scope', ok: false, detail: `RequestAuthentication ${id} does not apply: ${v.why}` });
  }
  const authz = selectAuthz(policies.authorizationPolicies, workload, scopeTrace);
  const p: Prepared = { ras, providers: buildProviders(ras.flatMap((r) => r.jwtRules)), authz, scopeTrace };
  byWorkload.set(key, p);
  return p;
}

function isCorsPreflight(method: string, headers: HeaderMap): boolean {
  return method === 'OPTIONS' && !!headers.joined('origin') && !!headers.joined('access-control-request-method');
}

export async function explain(req: EngineRequest, policies: PolicySet, jwks: JwksLookup, opts: ExplainOptions = {}): Promise<Explained> {
  return explainSync(req, policies, jwks, opts);
}

/** Synchronous core (the gateway calls it per request; nothing here waits on I/O). */
export function explainSync(req: EngineRequest, policies: PolicySet, jwks: JwksLookup, opts: ExplainOptions = {}): Explained {
  const workload = opts.workload ?? GATEWAY_WORKLOAD;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const prep = prepare(policies, workload);
  const trace: TraceStep[] = [...prep.scopeTrace];
  const headers = HeaderMap.from(req.headers);
  const method = req.method.toUpperCase();
  const scheme = req.scheme ?? 'https';
  const host = req.host ?? headers.joined('host') ?? '';
  let path = normalizePath(req.path);
  if (path !== req.path) trace.push({ stage: 'extract', check: 'path', ok: true, detail: `path normalized (BASE): ${req.path} -> ${path}` });

  const rbacReq = (payload?: Record<string, unknown>): RbacRequest => ({
    method,
    path,
    host: host || undefined,
    port: req.port ?? (scheme === 'https' ? 8443 : 8080),
    headers,
    payload,
    sourceIp: req.sourceIp,
    sni: req.sni,
  });
  const deny = (status: 401 | 403, body: string, extra: Record<string, string> = {}): Decision => ({
    decision: 'deny',
    status,
    body,
    headers: { 'content-type': 'text/plain', ...extra },
  });

  // 1. CUSTOM (no ext_authz provider exists in the lab -> generated DENY rules).
  const custom = evaluateCustom(prep.authz.custom, rbacReq(), trace);
  if (custom) {
    return { decision: deny(403, RBAC_DENIED_BODY), trace, matchedPolicy: custom, decidedBy: 'custom' };
  }

  // 2. jwt_authn, only when some RequestAuthentication selects the workload.
  let payload: Record<string, unknown> | undefined;
  let claims: Record<string, unknown> | undefined;
  let jwtStatus: string | undefined;
  if (prep.providers.length) {
    if (isCorsPreflight(method, headers)) {
      trace.push({ stage: 'jwt_authn', check: 'cors', ok: true, detail: 'CORS preflight (OPTIONS + Origin + Access-Control-Request-Method): jwt_authn is bypassed' });
    } else {
      const uriPath = path.length > MAX_URI_PATH ? path.slice(0, MAX_URI_PATH) : path;
      const ctx = { headers, path, now, jwks, trace, payload: undefined as Record<string, unknown> | undefined, rawPayload: undefined as Record<string, unknown> | undefined };
      const status = runJwtAuthn(prep.providers, ctx);
      jwtStatus = status;
      path = ctx.path;
      if (status !== 'Ok') {
        const s = status as JwtStatusName;
        const challenge = `Bearer realm="${scheme}://${host}${uriPath}"${s === 'JwtMissed' ? '' : ', error="invalid_token"'}`;
        trace.push({ stage: 'jwt_authn', check: 'result', ok: false, detail: `${jwtFailureCode(s)} ${JwtStatus[s]}` });
        return { decision: deny(jwtFailureCode(s), JwtStatus[s], { 'www-authenticate': challenge }), trace, jwtStatus, decidedBy: 'jwt_authn' };
      }
      payload = ctx.payload;
      claims = ctx.rawPayload;
      trace.push({ stage: 'jwt_authn', check: 'result', ok: true, detail: payload ? `token accepted; principal ${String(payload.iss)}/${String(payload.sub)}` : 'no token: passes jwt_authn (allow_missing)' });
    }
  } else {
    trace.push({ stage: 'jwt_authn', check: 'filter', ok: true, detail: 'no RequestAuthentication selects this workload: no jwt_authn filter, tokens are not inspected' });
  }

  // 3. RBAC: DENY, then ALLOW, then the implicit deny.
  const rreq = rbacReq(payload);
  const outcome = evaluatePolicies(prep.authz, rreq, trace);
  if (!outcome.allowed) {
    if (outcome.reason === 'implicit-deny') {
      for (const line of explainRuleMisses(prep.authz.allow, rreq)) trace.push({ stage: 'rbac', check: 'rule', ok: false, detail: line });
    }
    return { decision: deny(403, RBAC_DENIED_BODY), trace, claims, matchedPolicy: outcome.policy, jwtStatus, decidedBy: 'rbac' };
  }
  return {
    decision: { decision: 'allow', upstreamHeaders: headers.toRecord(), upstreamPath: path },
    trace,
    claims,
    matchedPolicy: outcome.policy,
    jwtStatus,
    decidedBy: 'none',
  };
}

export async function decide(req: EngineRequest, policies: PolicySet, jwks: JwksLookup, opts: ExplainOptions = {}): Promise<Decision> {
  return explainSync(req, policies, jwks, opts).decision;
}

export interface RbacContext {
  method: string;
  path: string;
  /** "iss/sub" of a verified token, split at the last "/" like istiod does. */
  principal?: string;
  claims?: Record<string, unknown>;
  headers?: Record<string, string>;
  host?: string;
  port?: number;
}

/** RBAC alone, for synthetic contexts (lint, doctor): as if jwt_authn had accepted `claims`/`principal`. */
export function evaluateRbac(
  policies: PolicySet,
  workload: Workload,
  ctx: RbacContext,
): { allowed: boolean; denyingPolicy?: string; allowingPolicy?: string; trace: TraceStep[] } {
  const prep = prepare(policies, workload);
  let payload: Record<string, unknown> | undefined = ctx.claims ? { ...ctx.claims } : undefined;
  if (ctx.principal !== undefined) {
    const i = ctx.principal.lastIndexOf('/');
    payload = { ...(payload ?? {}), iss: i >= 0 ? ctx.principal.slice(0, i) : ctx.principal, sub: i >= 0 ? ctx.principal.slice(i + 1) : '' };
  }
  for (const claim of ['scope', 'permission']) {
    const v = payload?.[claim];
    if (payload && typeof v === 'string') payload[claim] = v.split(' ').filter(Boolean);
  }
  const headers = HeaderMap.from(ctx.headers ?? {});
  const trace: TraceStep[] = [];
  const req: RbacRequest = { method: ctx.method.toUpperCase(), path: normalizePath(ctx.path), host: ctx.host ?? headers.joined('host'), port: ctx.port ?? 8443, headers, payload };
  const custom = evaluateCustom(prep.authz.custom, { ...req, payload: undefined }, trace);
  if (custom) return { allowed: false, denyingPolicy: `${custom.namespace}/${custom.name}`, trace };
  const out = evaluatePolicies(prep.authz, req, trace);
  const id = out.policy ? `${out.policy.namespace}/${out.policy.name}` : undefined;
  return out.allowed ? { allowed: true, allowingPolicy: id, trace } : { allowed: false, denyingPolicy: id, trace };
}
