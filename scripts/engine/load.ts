// loadPolicies: parsed YAML documents in, typed policies out. Lenient by
// design (it never throws); validatePolicy() is where bad documents are named.
import {
  SECURITY_API_VERSIONS,
  type AuthorizationPolicyDoc,
  type JwtRuleSpec,
  type PolicyAction,
  type PolicySet,
  type RequestAuthenticationPolicy,
  type Rule,
} from './policies.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);
const optStrings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map((x) => String(x)) : undefined);

export function isSecurityDoc(doc: unknown, kind: 'RequestAuthentication' | 'AuthorizationPolicy'): doc is Obj {
  return isObj(doc) && doc.kind === kind && (SECURITY_API_VERSIONS as readonly unknown[]).includes(doc.apiVersion);
}

function meta(doc: Obj) {
  const m = isObj(doc.metadata) ? doc.metadata : {};
  return { name: String(m.name ?? ''), namespace: String(m.namespace ?? 'default') };
}

function selectorOf(spec: Obj): Record<string, string> | undefined {
  if (!isObj(spec.selector)) return undefined;
  const labels = isObj(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
}

function hasTargetRef(spec: Obj): boolean {
  return isObj(spec.targetRef) || (Array.isArray(spec.targetRefs) && spec.targetRefs.length > 0);
}

function jwtRule(raw: unknown): JwtRuleSpec {
  const r = isObj(raw) ? raw : {};
  return {
    issuer: typeof r.issuer === 'string' ? r.issuer : '',
    audiences: strings(r.audiences),
    jwksUri: typeof r.jwksUri === 'string' && r.jwksUri ? r.jwksUri : undefined,
    jwks: typeof r.jwks === 'string' && r.jwks ? r.jwks : undefined,
    fromHeaders: (Array.isArray(r.fromHeaders) ? r.fromHeaders : []).filter(isObj).map((h) => ({
      name: String(h.name ?? ''),
      prefix: typeof h.prefix === 'string' ? h.prefix : '',
    })),
    fromParams: strings(r.fromParams),
    fromCookies: strings(r.fromCookies),
    outputPayloadToHeader: typeof r.outputPayloadToHeader === 'string' && r.outputPayloadToHeader ? r.outputPayloadToHeader : undefined,
    outputClaimToHeaders: (Array.isArray(r.outputClaimToHeaders) ? r.outputClaimToHeaders : []).filter(isObj).map((c) => ({
      header: String(c.header ?? ''),
      claim: String(c.claim ?? ''),
    })),
    forwardOriginalToken: r.forwardOriginalToken === true,
  };
}

function rule(raw: unknown): Rule | null {
  if (!isObj(raw)) return null;
  const out: Rule = {};
  if (Array.isArray(raw.from)) {
    out.from = raw.from.map((f) => {
      const src = isObj(f) && isObj(f.source) ? f.source : undefined;
      if (!src) return {};
      const s: Record<string, string[] | undefined> = {};
      for (const k of [
        'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
        'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
      ]) s[k] = optStrings(src[k]);
      return { source: s };
    });
  }
  if (Array.isArray(raw.to)) {
    out.to = raw.to.map((t) => {
      const op = isObj(t) && isObj(t.operation) ? t.operation : undefined;
      if (!op) return {};
      const o: Record<string, string[] | undefined> = {};
      for (const k of ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths']) o[k] = optStrings(op[k]);
      return { operation: o };
    });
  }
  if (Array.isArray(raw.when)) {
    out.when = raw.when.filter(isObj).map((c) => ({
      key: String(c.key ?? ''),
      values: optStrings(c.values),
      notValues: optStrings(c.notValues),
    }));
  }
  return out;
}

export function toRequestAuthentication(doc: Obj): RequestAuthenticationPolicy {
  const spec = isObj(doc.spec) ? doc.spec : {};
  return {
    meta: meta(doc),
    selector: selectorOf(spec),
    hasTargetRef: hasTargetRef(spec),
    jwtRules: (Array.isArray(spec.jwtRules) ? spec.jwtRules : []).map(jwtRule),
  };
}

export function toAuthorizationPolicy(doc: Obj): AuthorizationPolicyDoc {
  const spec = isObj(doc.spec) ? doc.spec : {};
  const action = (typeof spec.action === 'string' && spec.action ? spec.action : 'ALLOW') as PolicyAction;
  const provider = isObj(spec.provider) && typeof spec.provider.name === 'string' ? spec.provider.name : undefined;
  return {
    meta: meta(doc),
    selector: selectorOf(spec),
    hasTargetRef: hasTargetRef(spec),
    action,
    provider,
    rules: Array.isArray(spec.rules) ? spec.rules.map(rule) : undefined,
  };
}

/** Accepts raw documents (or { doc } wrappers from readManifestFiles); keeps only the security kinds. */
export function loadPolicies(docs: unknown[]): PolicySet {
  const set: PolicySet = { requestAuthentications: [], authorizationPolicies: [] };
  for (const d of docs) {
    const doc = isObj(d) && isObj(d.doc) && !('kind' in d) ? d.doc : d;
    if (isSecurityDoc(doc, 'RequestAuthentication')) set.requestAuthentications.push(toRequestAuthentication(doc));
    else if (isSecurityDoc(doc, 'AuthorizationPolicy')) set.authorizationPolicies.push(toAuthorizationPolicy(doc));
  }
  return set;
}
