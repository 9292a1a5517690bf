// Checks that need to know what the gateway would DO, so they ask the one
// engine (scripts/engine) instead of guessing: which policies reach which
// workload (scopeOf), and what RBAC decides for synthetic requests
// (evaluateRbac): DENY shadowing, principals without a RequestAuthentication,
// and the lab's own promises (/api needs a token with a tenant, /static is public).
import { GATEWAY_WORKLOAD, PRIMARY_REALM, issuerFor } from '../core/config.js';
import { evaluateRbac, loadPolicies, type PolicySet, type Workload } from '../engine/index.js';
import { scopeOf } from '../engine/scope.js';
import type { AuthorizationPolicyDoc, Rule } from '../engine/policies.js';
import { CANONICAL_CONFIG, type SourcedDoc } from '../manifests/index.js';
import { fieldPath } from './paths.js';
import { objectName, type Finding } from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

interface NamedWorkload {
  name: string;
  workload: Workload;
}

const GATEWAY: NamedWorkload = { name: 'the ingress gateway (istio-system, istio=ingressgateway)', workload: GATEWAY_WORKLOAD };

/** Pods the manifests create (Deployment templates), so a selector can be checked against real labels. */
function workloadsIn(docs: SourcedDoc[]): NamedWorkload[] {
  return docs
    .filter((s) => s.doc?.kind === 'Deployment')
    .map((s) => ({
      name: `Deployment ${s.doc.metadata.namespace ?? 'default'}/${s.doc.metadata.name}`,
      workload: {
        namespace: s.doc.metadata.namespace ?? 'default',
        labels: (obj(obj(obj(obj(s.doc.spec).template).metadata).labels) as Record<string, string>) ?? {},
      },
    }));
}

const PROBE = 'lint-probe';

/** The lab's own URLs: probes use them when a pattern covers them, so findings name real requests. */
const LAB_PATHS = ['/api/books', '/static/index.html'];

/** A concrete value that a pattern (exact, prefix*, *suffix, *) matches. */
function sample(pattern: string, fallback = PROBE): string {
  if (pattern === '*') return fallback;
  if (pattern.endsWith('*')) return pattern.slice(0, -1) + fallback;
  if (pattern.startsWith('*')) return fallback + pattern.slice(1);
  return pattern;
}

/** The request a rule is written for: the lint probes it to see who decides. */
function satisfying(rule: Rule, issuer: string): Parameters<typeof evaluateRbac>[2] | undefined {
  const op = rule.to?.[0]?.operation ?? {};
  const src = rule.from?.[0]?.source ?? {};
  const rawPath = op.paths?.[0];
  const known = rawPath === undefined ? undefined
    : LAB_PATHS.find((p) => (rawPath.endsWith('*') ? p.startsWith(rawPath.slice(0, -1)) : rawPath.startsWith('*') ? p.endsWith(rawPath.slice(1)) : p === rawPath));
  const path = known ?? (rawPath ? sample(rawPath, rawPath.startsWith('*') ? `/${PROBE}` : PROBE) : op.notPaths ? `/${PROBE}` : '/');
  const claims: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  for (const c of rule.when ?? []) {
    const v = c.values?.[0];
    const m = /^request\.auth\.claims\[([^\]]+)\]$/.exec(c.key);
    if (m && v !== undefined) claims[m[1]!] = sample(v);
    const h = /^request\.headers\[([^\]]+)\]$/.exec(c.key);
    if (h && v !== undefined) headers[h[1]!.toLowerCase()] = sample(v);
  }
  const rp = src.requestPrincipals?.[0];
  const principal = rp === undefined ? undefined : rp === '*' ? `${issuer}/${PROBE}` : sample(rp);
  return { method: op.methods?.[0] ?? 'GET', path, principal, claims: principal || Object.keys(claims).length ? claims : undefined, headers };
}

const needsPrincipal = (p: AuthorizationPolicyDoc) =>
  (p.rules ?? []).some((r) =>
    r?.from?.some((f) => f.source?.requestPrincipals?.length || f.source?.notRequestPrincipals?.length) ||
    r?.when?.some((c) => c.key.startsWith('request.auth.')),
  );

function docFor(docs: SourcedDoc[], kind: string, ns: string, name: string): SourcedDoc | undefined {
  return docs.find((s) => s.doc?.kind === kind && (s.doc.metadata?.namespace ?? 'default') === ns && s.doc.metadata?.name === name);
}

function scopeFindings(docs: SourcedDoc[], policies: PolicySet, workloads: NamedWorkload[], out: Finding[]): void {
  const all = [GATEWAY, ...workloads];
  const items = [
    ...policies.requestAuthentications.map((p) => ({ p, kind: 'RequestAuthentication' as const })),
    ...policies.authorizationPolicies.map((p) => ({ p, kind: 'AuthorizationPolicy' as const })),
  ];
  for (const { p, kind } of items) {
    const gw = scopeOf(p, GATEWAY_WORKLOAD);
    if (gw.applies) continue;
    const s = docFor(docs, kind, p.meta.namespace, p.meta.name);
    if (!s) continue;
    const other = all.slice(1).find((w) => scopeOf(p, w.workload).applies);
    out.push({
      severity: other ? 'warning' : 'error',
      rule: 'selector-misses-gateway',
      file: s.file,
      object: objectName(s.doc),
      field: p.selector ? 'spec.selector.matchLabels' : 'metadata.namespace',
      message: `${kind} does not apply to the ingress gateway: ${gw.why}${other ? ` (it selects ${other.name}, which has no proxy in this lab)` : ''}`,
      runtime: kind === 'RequestAuthentication'
        ? 'the gateway never validates tokens: forged or expired tokens are not refused with 401, and no request gets a principal, so require-jwt-api answers 403 "RBAC: access denied" even to valid tokens'
        : 'the gateway ignores this policy: its rules never allow or deny anything there',
      fix: 'put it in istio-system with selector.matchLabels: { istio: ingressgateway } (the labels of the istio-ingressgateway pods)',
    });
  }
  for (const g of docs.filter((d) => d.doc?.kind === 'Gateway')) {
    const sel = obj(obj(g.doc.spec).selector) as Record<string, string>;
    const miss = Object.entries(sel).find(([k, v]) => GATEWAY_WORKLOAD.labels[k] !== String(v));
    if (!miss) continue;
    out.push({
      severity: 'error', rule: 'selector-misses-gateway', file: g.file, object: objectName(g.doc), field: fieldPath(['spec', 'selector', miss[0]]),
      message: `Gateway selector ${miss[0]}=${miss[1]} matches no ingress gateway pod (they carry ${Object.entries(GATEWAY_WORKLOAD.labels).map(([k, v]) => `${k}=${v}`).join(', ')})`,
      runtime: 'no proxy opens the listeners: connections to the gateway ports are refused or answered 404',
      fix: 'selector: { istio: ingressgateway }',
    });
  }
}

function principalFindings(docs: SourcedDoc[], policies: PolicySet, out: Finding[]): void {
  const raOnGateway = policies.requestAuthentications.some((ra) => scopeOf(ra, GATEWAY_WORKLOAD).applies && ra.jwtRules.length > 0);
  if (raOnGateway) return;
  for (const p of policies.authorizationPolicies) {
    if (!scopeOf(p, GATEWAY_WORKLOAD).applies || !needsPrincipal(p)) continue;
    const s = docFor(docs, 'AuthorizationPolicy', p.meta.namespace, p.meta.name);
    if (!s) continue;
    out.push({
      severity: 'error', rule: 'principal-without-requestauthentication', file: s.file, object: objectName(s.doc), field: 'spec.rules',
      message: 'the policy matches on request principals or token claims, but no RequestAuthentication with jwtRules selects the gateway',
      runtime: p.action === 'ALLOW'
        ? 'without jwt_authn no request ever has a principal or claims: every request this rule should allow gets 403 "RBAC: access denied", valid tokens included (and tokens are never validated)'
        : 'without jwt_authn no request has a principal or claims: the rule only sees "absent" values',
      fix: 'add a RequestAuthentication in istio-system selecting istio: ingressgateway whose issuer is the realm\'s pinned issuer (manifests/10-request-authentication.yaml)',
    });
  }
}

function shadowFindings(docs: SourcedDoc[], policies: PolicySet, out: Finding[]): void {
  const issuer = policies.requestAuthentications.flatMap((r) => r.jwtRules)[0]?.issuer || issuerFor(CANONICAL_CONFIG, PRIMARY_REALM);
  const reported = new Set<string>();
  for (const p of policies.authorizationPolicies) {
    if (p.action !== 'ALLOW' || !scopeOf(p, GATEWAY_WORKLOAD).applies) continue;
    (p.rules ?? []).forEach((rule, i) => {
      if (!rule) return;
      const ctx = satisfying(rule, issuer);
      if (!ctx) return;
      const verdict = evaluateRbac(policies, GATEWAY_WORKLOAD, ctx);
      if (verdict.allowed || !verdict.denyingPolicy) return;
      const denier = policies.authorizationPolicies.find((d) => `${d.meta.namespace}/${d.meta.name}` === verdict.denyingPolicy);
      if (!denier || denier.action === 'ALLOW') return;
      const s = docFor(docs, 'AuthorizationPolicy', denier.meta.namespace, denier.meta.name);
      if (!s || reported.has(`${verdict.denyingPolicy} ${p.meta.name} ${i}`)) return;
      reported.add(`${verdict.denyingPolicy} ${p.meta.name} ${i}`);
      out.push({
        severity: 'error', rule: 'deny-shadows-allow', file: s.file, object: objectName(s.doc), field: 'spec.rules',
        message: `this ${denier.action} policy matches ${ctx.method} ${ctx.path}${ctx.principal ? ' with a valid token' : ''}, which ALLOW ${p.meta.namespace}/${p.meta.name} rule ${i} is there to let through`,
        runtime: `DENY is evaluated before ALLOW: ${ctx.method} ${ctx.path} gets 403 "RBAC: access denied" no matter what ${p.meta.name} allows`,
        fix: 'exclude the allowed paths from the DENY (e.g. to.operation.notPaths: ["/api/*", "/static/*"]), or drop it: once an ALLOW policy selects the gateway, everything not allowed is already denied',
      });
    });
  }
}

/** The lab's promises about /api and /static, checked as the gateway would decide them. */
function promiseFindings(docs: SourcedDoc[], policies: PolicySet, out: Finding[]): void {
  const issuer = policies.requestAuthentications.flatMap((r) => r.jwtRules)[0]?.issuer || issuerFor(CANONICAL_CONFIG, PRIMARY_REALM);
  const principal = `${issuer}/${PROBE}`;
  const where = docs.find((s) => s.doc?.kind === 'AuthorizationPolicy') ?? docs[0];
  if (!where) return;
  const probe = (ctx: Parameters<typeof evaluateRbac>[2]) => evaluateRbac(policies, GATEWAY_WORKLOAD, ctx);
  const push = (f: Omit<Finding, 'file' | 'object' | 'field' | 'rule'> & { rule: string; policy?: string }) => {
    const s = f.policy ? docFor(docs, 'AuthorizationPolicy', ...(f.policy.split('/') as [string, string])) ?? where : where;
    const { policy: _p, ...rest } = f;
    out.push({ file: s.file, object: s === where && !f.policy ? 'AuthorizationPolicies for the gateway' : objectName(s.doc), field: 'spec.rules', ...rest });
  };
  const anon = probe({ method: 'GET', path: '/api/books' });
  if (anon.allowed) {
    push({
      severity: 'error', rule: 'api-open', policy: anon.allowingPolicy,
      message: 'GET /api/books without a token is allowed',
      runtime: 'RequestAuthentication alone lets requests with no token through (allow_missing): the catalog answers 200 to anyone',
      fix: 'add an ALLOW policy on /api/* with from.source.requestPrincipals: ["*"] (require-jwt-api)',
    });
  }
  const valid = probe({ method: 'GET', path: '/api/books', principal, claims: { tenant: 'acme-books' } });
  if (!valid.allowed && !valid.denyingPolicy) {
    push({
      severity: 'error', rule: 'api-closed',
      message: 'no ALLOW rule lets GET /api/books through, even with a valid token carrying a tenant',
      runtime: 'implicit deny: every API call gets 403 "RBAC: access denied"',
      fix: 'an ALLOW rule with to.operation.paths: ["/api/*"] and requestPrincipals: ["*"] (require-jwt-api)',
    });
  }
  const noTenant = probe({ method: 'GET', path: '/api/books', principal, claims: {} });
  if (noTenant.allowed && !anon.allowed) {
    push({
      severity: 'warning', rule: 'api-no-tenant-check', policy: noTenant.allowingPolicy,
      message: 'a valid token WITHOUT a tenant claim is allowed on /api/books',
      runtime: 'no-tenant-user gets 200: the tenant boundary is not enforced at the gateway',
      fix: 'add when: [{ key: request.auth.claims[tenant], values: ["*"] }] to the /api rule',
    });
  }
  const stat = probe({ method: 'GET', path: '/static/index.html' });
  if (!stat.allowed && !stat.denyingPolicy) {
    push({
      severity: 'error', rule: 'static-closed',
      message: 'GET /static/index.html without a token is not allowed by any ALLOW rule',
      runtime: 'implicit deny: the public page gets 403 "RBAC: access denied"',
      fix: 'an ALLOW rule with to.operation.paths: ["/static/*"] (allow-public-static)',
    });
  }
}

export function engineFindings(docs: SourcedDoc[]): Finding[] {
  const out: Finding[] = [];
  const policies = loadPolicies(docs.map((s) => s.doc));
  scopeFindings(docs, policies, workloadsIn(docs), out);
  principalFindings(docs, policies, out);
  shadowFindings(docs, policies, out);
  // The /api and /static promises only mean something for a set of gateway policies.
  if (policies.authorizationPolicies.length + policies.requestAuthentications.length > 0) promiseFindings(docs, policies, out);
  return out;
}
