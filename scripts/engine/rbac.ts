// AuthorizationPolicy evaluation with Envoy RBAC semantics as istiod builds it
// (pilot/pkg/security/authz/builder + model/generator.go):
//   CUSTOM (no ext_authz provider is defined in the lab: istiod turns the
//   policy's rules into DENY rules, "will generate deny configs") ->
//   DENY (any matching rule denies) -> no ALLOW policy: allow ->
//   a matching ALLOW rule: allow -> otherwise 403 "RBAC: access denied".
// AUDIT only logs. A rule is AND of from/to/when; each list is an OR; `not*`
// negates. An ALLOW policy without rules matches nothing.
import { BlockList, isIP } from 'node:net';
import { headerMatch, hostMatch, pathMatch, stringMatch } from './match.js';
import { urlPath } from './paths.js';
import type { AuthorizationPolicyDoc, Condition, Operation, Rule, Source } from './policies.js';
import { scopeOf } from './scope.js';
import type { TraceStep, Workload } from './types.js';
import type { HeaderMap } from './headers.js';

export interface RbacRequest {
  method: string;
  /** Normalized path; the query is ignored for `paths`. */
  path: string;
  host?: string;
  /** Destination port as the proxy sees it (the gateway pod's container port). */
  port?: number;
  headers: HeaderMap;
  /** Verified (normalized) JWT payload, when jwt_authn accepted a token. */
  payload?: Record<string, unknown>;
  sourceIp?: string;
  sni?: string;
}

export interface MatchedPolicy {
  namespace: string;
  name: string;
  action: string;
  ruleIndex: number;
}

export interface RbacOutcome {
  allowed: boolean;
  /** 'custom' | 'deny' | 'allow' | 'implicit-deny' | 'no-allow-policies' */
  reason: 'custom' | 'deny' | 'allow' | 'implicit-deny' | 'no-allow-policies';
  policy?: MatchedPolicy;
  trace: TraceStep[];
}

const any = <T>(xs: T[] | undefined, f: (x: T) => boolean) => (xs ?? []).some(f);

// --- request principal (Istio 1.21+ "extended" form: iss and sub matched separately) ---

const matchAny = (v: unknown) => typeof v === 'string' && v.length > 0;

export function requestPrincipalMatch(pattern: string, payload: Record<string, unknown> | undefined): boolean {
  if (!payload) return false;
  const iss = typeof payload.iss === 'string' ? payload.iss : undefined;
  const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
  const idx = pattern.lastIndexOf('/');
  const found = idx >= 0;
  const pIss = found ? pattern.slice(0, idx) : pattern;
  const pSub = found ? pattern.slice(idx + 1) : '';
  let issOk: boolean;
  let subOk: boolean;
  if (pattern === '*') {
    issOk = matchAny(iss);
    subOk = matchAny(sub);
  } else if (pattern.startsWith('*')) {
    if (found) {
      issOk = pIss === '*' ? matchAny(iss) : iss !== undefined && iss.endsWith(pIss.slice(1));
      subOk = sub === pSub;
    } else {
      issOk = matchAny(iss);
      subOk = sub !== undefined && sub.endsWith(pattern.slice(1));
    }
  } else if (pattern.endsWith('*')) {
    if (found) {
      issOk = iss === pIss;
      subOk = pSub === '*' ? matchAny(sub) : sub !== undefined && sub.startsWith(pSub.slice(0, -1));
    } else {
      issOk = iss !== undefined && iss.startsWith(pattern.slice(0, -1));
      subOk = matchAny(sub);
    }
  } else {
    issOk = iss === pIss;
    subOk = sub === pSub;
  }
  return issOk && subOk;
}

/** Metadata value matcher Istio uses for claims/audiences/presenter: a string, or any string in a list. */
function stringOrListMatch(pattern: string, v: unknown): boolean {
  if (typeof v === 'string') return stringMatch(pattern, v);
  if (Array.isArray(v)) return v.some((e) => typeof e === 'string' && stringMatch(pattern, e));
  return false;
}

export function claimPath(key: string): string[] | undefined {
  const rest = key.slice('request.auth.claims'.length);
  const m = rest.match(/^(\[[^\[\]]+\])+$/);
  if (!m) return undefined;
  return [...rest.matchAll(/\[([^\[\]]+)\]/g)].map((x) => x[1]!);
}

function claimAt(payload: Record<string, unknown> | undefined, path: string[]): unknown {
  let cur: unknown = payload;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function ipIn(ip: string | undefined, cidrs: string[] | undefined): boolean {
  if (!ip || !isIP(ip)) return false;
  const list = new BlockList();
  for (const c of cidrs ?? []) {
    const [addr, bits] = c.split('/');
    const fam = isIP(addr ?? '');
    if (!fam) continue;
    const type = fam === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr!, type);
    else list.addSubnet(addr!, Number(bits), type);
  }
  return list.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
}

function hostOf(req: RbacRequest): string | undefined {
  return req.host ?? req.headers.joined('host');
}

/** One value of a `when` condition. Peer (mTLS) attributes never match an external plaintext client. */
function conditionValueMatch(key: string, value: string, req: RbacRequest): boolean {
  if (key.startsWith('request.headers[') && key.endsWith(']')) {
    return headerMatch(value, req.headers.joined(key.slice('request.headers['.length, -1)));
  }
  if (key.startsWith('request.auth.claims')) {
    const path = claimPath(key);
    return path ? stringOrListMatch(value, claimAt(req.payload, path)) : false;
  }
  switch (key) {
    case 'request.auth.principal':
      return requestPrincipalMatch(value, req.payload);
    case 'request.auth.audiences':
      return stringOrListMatch(value, req.payload?.aud);
    case 'request.auth.presenter':
      return stringOrListMatch(value, req.payload?.azp);
    case 'source.ip':
    case 'remote.ip':
      return ipIn(req.sourceIp, [value]);
    case 'destination.port':
      return req.port !== undefined && String(req.port) === value;
    case 'connection.sni':
      return stringMatch(value, req.sni);
    case 'source.namespace':
    case 'source.principal':
    default:
      return false;
  }
}

function sourceMatch(s: Source, req: RbacRequest): boolean {
  const checks: boolean[] = [];
  // Peer identity needs mTLS; an external client has none.
  if (s.principals) checks.push(false);
  if (s.notPrincipals) checks.push(true);
  if (s.namespaces) checks.push(false);
  if (s.notNamespaces) checks.push(true);
  if (s.serviceAccounts) checks.push(false);
  if (s.notServiceAccounts) checks.push(true);
  if (s.requestPrincipals) checks.push(any(s.requestPrincipals, (p) => requestPrincipalMatch(p, req.payload)));
  if (s.notRequestPrincipals) checks.push(!any(s.notRequestPrincipals, (p) => requestPrincipalMatch(p, req.payload)));
  if (s.ipBlocks) checks.push(ipIn(req.sourceIp, s.ipBlocks));
  if (s.notIpBlocks) checks.push(!ipIn(req.sourceIp, s.notIpBlocks));
  if (s.remoteIpBlocks) checks.push(ipIn(req.sourceIp, s.remoteIpBlocks));
  if (s.notRemoteIpBlocks) checks.push(!ipIn(req.sourceIp, s.notRemoteIpBlocks));
  return checks.every(Boolean);
}

function operationMatch(o: Operation, req: RbacRequest): boolean {
  const path = urlPath(req.path);
  const host = hostOf(req);
  const port = req.port === undefined ? undefined : String(req.port);
  const checks: boolean[] = [];
  if (o.hosts) checks.push(any(o.hosts, (h) => hostMatch(h, host)));
  if (o.notHosts) checks.push(!any(o.notHosts, (h) => hostMatch(h, host)));
  if (o.ports) checks.push(any(o.ports, (p) => p === port));
  if (o.notPorts) checks.push(!any(o.notPorts, (p) => p === port));
  if (o.methods) checks.push(any(o.methods, (m) => headerMatch(m, req.method)));
  if (o.notMethods) checks.push(!any(o.notMethods, (m) => headerMatch(m, req.method)));
  if (o.paths) checks.push(any(o.paths, (p) => pathMatch(p, path)));
  if (o.notPaths) checks.push(!any(o.notPaths, (p) => pathMatch(p, path)));
  return checks.every(Boolean);
}

function conditionMatch(c: Condition, req: RbacRequest): boolean {
  let ok = true;
  if (c.values?.length) ok = ok && c.values.some((v) => conditionValueMatch(c.key, v, req));
  // notValues is NOT(any match): an absent claim therefore MATCHES.
  if (c.notValues?.length) ok = ok && !c.notValues.some((v) => conditionValueMatch(c.key, v, req));
  return ok;
}

export function ruleMatches(rule: Rule, req: RbacRequest): boolean {
  if (rule.from && !rule.from.some((f) => (f.source ? sourceMatch(f.source, req) : true))) return false;
  if (rule.to && !rule.to.some((t) => (t.operation ? operationMatch(t.operation, req) : true))) return false;
  if (rule.when && !rule.when.every((c) => conditionMatch(c, req))) return false;
  return true;
}

function firstMatch(policies: AuthorizationPolicyDoc[], req: RbacRequest): MatchedPolicy | undefined {
  for (const p of policies) {
    const rules = p.rules ?? [];
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (r && ruleMatches(r, req)) return { namespace: p.meta.namespace, name: p.meta.name, action: p.action, ruleIndex: i };
    }
  }
  return undefined;
}

export function selectAuthz(all: AuthorizationPolicyDoc[], workload: Workload, trace?: TraceStep[]) {
  const applied = { custom: [] as AuthorizationPolicyDoc[], deny: [] as AuthorizationPolicyDoc[], allow: [] as AuthorizationPolicyDoc[], audit: [] as AuthorizationPolicyDoc[] };
  for (const p of all) {
    const v = scopeOf(p, workload);
    const id = `${p.meta.namespace}/${p.meta.name}`;
    if (!v.applies) {
      trace?.push({ stage: 'rbac', check: 'scope', ok: false, detail: `AuthorizationPolicy ${id} does not apply: ${v.why}` });
      continue;
    }
    if (p.action === 'CUSTOM') applied.custom.push(p);
    else if (p.action === 'DENY') applied.deny.push(p);
    else if (p.action === 'AUDIT') applied.audit.push(p);
    else applied.allow.push(p);
  }
  return applied;
}

/** CUSTOM runs before jwt_authn; with no provider defined it denies whatever its rules match. */
export function evaluateCustom(custom: AuthorizationPolicyDoc[], req: RbacRequest, trace: TraceStep[]): MatchedPolicy | undefined {
  if (!custom.length) return undefined;
  const hit = firstMatch(custom, req);
  trace.push({
    stage: 'rbac',
    check: 'custom',
    ok: !hit,
    detail: hit
      ? `CUSTOM policy ${hit.namespace}/${hit.name} rule ${hit.ruleIndex} matched; its provider "${custom.find((p) => p.meta.name === hit.name)?.provider ?? ''}" is not a meshConfig extensionProvider, so istiod generated a DENY rule instead`
      : 'no CUSTOM rule matched',
  });
  return hit;
}

export function evaluatePolicies(applied: ReturnType<typeof selectAuthz>, req: RbacRequest, trace: TraceStep[]): RbacOutcome {
  const deny = firstMatch(applied.deny, req);
  if (deny) {
    trace.push({ stage: 'rbac', check: 'deny', ok: false, detail: `DENY policy ${deny.namespace}/${deny.name} rule ${deny.ruleIndex} matched` });
    return { allowed: false, reason: 'deny', policy: deny, trace };
  }
  if (applied.deny.length) trace.push({ stage: 'rbac', check: 'deny', ok: true, detail: `no rule of ${applied.deny.length} DENY polic${applied.deny.length === 1 ? 'y' : 'ies'} matched` });
  if (!applied.allow.length) {
    trace.push({ stage: 'rbac', check: 'allow', ok: true, detail: 'no ALLOW policy selects this workload: allowed' });
    return { allowed: true, reason: 'no-allow-policies', trace };
  }
  const allow = firstMatch(applied.allow, req);
  if (allow) {
    trace.push({ stage: 'rbac', check: 'allow', ok: true, detail: `ALLOW policy ${allow.namespace}/${allow.name} rule ${allow.ruleIndex} matched` });
    return { allowed: true, reason: 'allow', policy: allow, trace };
  }
  trace.push({
    stage: 'rbac',
    check: 'allow',
    ok: false,
    detail: `none of the ${applied.allow.length} ALLOW policies (${applied.allow.map((p) => p.meta.name).join(', ')}) matched: implicit deny`,
  });
  return { allowed: false, reason: 'implicit-deny', trace };
}

/** For explanations: why each rule of an ALLOW policy did not match. */
export function explainRuleMisses(policies: AuthorizationPolicyDoc[], req: RbacRequest): string[] {
  const out: string[] = [];
  for (const p of policies) {
    (p.rules ?? []).forEach((r, i) => {
      if (!r) return;
      const parts: string[] = [];
      if (r.from && !r.from.some((f) => (f.source ? sourceMatch(f.source, req) : true))) parts.push('from (source/requestPrincipals) did not match');
      if (r.to && !r.to.some((t) => (t.operation ? operationMatch(t.operation, req) : true))) parts.push('to (method/path/host/port) did not match');
      for (const c of r.when ?? []) if (!conditionMatch(c, req)) parts.push(`when ${c.key} did not match`);
      if (parts.length) out.push(`${p.meta.namespace}/${p.meta.name} rule ${i}: ${parts.join('; ')}`);
    });
    if (!p.rules?.length) out.push(`${p.meta.namespace}/${p.meta.name}: no rules, matches nothing`);
  }
  return out;
}
