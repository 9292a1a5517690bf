// istiod's validation webhook for the two security kinds (istio/istio
// pkg/config/validation/validation.go ValidateAuthorizationPolicy /
// ValidateRequestAuthentication and pkg/config/security/security.go), so
// `lab authz` and `lab lint` refuse what `kubectl apply` would refuse.
import { isIP } from 'node:net';
import { isSecurityDoc, toAuthorizationPolicy, toRequestAuthentication } from './load.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function emptyValue(key: string, values: string[] | undefined): string | undefined {
  return values?.some((v) => v === '') ? `empty value not allowed, found in ${key}` : undefined;
}

function badIps(values: string[] | undefined): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    if (v.includes('/')) {
      const [ip, bits, ...rest] = v.split('/');
      const fam = isIP(ip ?? '');
      const n = Number(bits);
      if (rest.length || !fam || !Number.isInteger(n) || n < 0 || n > (fam === 4 ? 32 : 128)) out.push(`bad CIDR range (${v})`);
    } else if (!isIP(v)) out.push(`bad IP address (${v})`);
  }
  return out;
}

function badPorts(values: string[] | undefined): string[] {
  return (values ?? []).filter((p) => !/^\d+$/.test(p) || Number(p) > 65535).map((p) => `bad port (${p})`);
}

function mapKeyError(key: string): string | undefined {
  const open = key.indexOf('[');
  if (key.endsWith(']') && open > 0 && open < key.length - 2) return undefined;
  return `bad key (${key}): should have format a[b]`;
}

/** pkg/config/security ValidateAttribute. */
export function validateAttribute(key: string, values: string[] | undefined): string | undefined {
  const empty = emptyValue(key, values);
  if (empty) return empty;
  if (key.startsWith('request.headers')) return mapKeyError(key);
  if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') return badIps(values)[0];
  if (['source.namespace', 'source.principal', 'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter', 'connection.sni'].includes(key)) return undefined;
  if (key.startsWith('request.auth.claims')) return mapKeyError(key);
  if (key === 'destination.port') return badPorts(values)[0];
  if (key.startsWith('experimental.envoy.filters.')) return mapKeyError(key);
  if (key === 'destination.namespace') return `attribute ${key} is replaced by the metadata.namespace`;
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`;
  if (key === 'destination.name' || key === 'destination.user') return `deprecated attribute ${key}: only supported in v1alpha1`;
  return `unknown attribute: ${key}`;
}

function selectorErrors(spec: Obj): string[] {
  const errs: string[] = [];
  const set = [isObj(spec.selector), isObj(spec.targetRef), Array.isArray(spec.targetRefs) && spec.targetRefs.length > 0].filter(Boolean).length;
  if (set > 1) errs.push('only one of targetRefs or workloadSelector can be set');
  const labels = isObj(spec.selector) && isObj(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  for (const [k, v] of Object.entries(labels)) {
    if (k === '') errs.push(`empty key is not supported in selector: "${k}=${String(v)}"`);
    if (k.includes('*') || String(v).includes('*')) errs.push(`wildcard is not supported in selector: "${k}=${String(v)}"`);
  }
  return errs;
}

function validateAuthz(doc: Obj): string[] {
  const spec = isObj(doc.spec) ? doc.spec : {};
  const p = toAuthorizationPolicy(doc);
  const errs: string[] = [...selectorErrors(spec)];
  if (!['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'].includes(p.action)) errs.push(`unknown action "${p.action}": one of ALLOW, DENY, AUDIT, CUSTOM`);
  if (p.action === 'CUSTOM') {
    if (p.rules === undefined) {
      errs.push('CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
    } else if (!p.provider) errs.push('`provider.name` must not be empty');
    for (const r of p.rules ?? []) {
      for (const f of r?.from ?? []) {
        const s = f.source;
        if (!s) continue;
        const checks: Array<[string, unknown[] | undefined]> = [
          ['From.Namespaces', s.namespaces], ['From.NotNamespaces', s.notNamespaces],
          ['From.ServiceAccounts', s.serviceAccounts], ['From.NotServiceAccounts', s.notServiceAccounts],
          ['From.Principals', s.principals], ['From.NotPrincipals', s.notPrincipals],
          ['From.RequestPrincipals', s.requestPrincipals], ['From.NotRequestPrincipals', s.notRequestPrincipals],
        ];
        for (const [name, v] of checks) if (v && v.length) errs.push(`${name} is currently not supported with CUSTOM action`);
      }
      for (const c of r?.when ?? []) {
        if (['source.namespace', 'source.serviceAccount', 'source.principal'].includes(c.key) || c.key.startsWith('request.auth.')) {
          errs.push(`${c.key} is currently not supported with CUSTOM action`);
        }
      }
    }
  }
  if (p.provider !== undefined && p.action !== 'CUSTOM') errs.push(`\`provider\` must not be with non CUSTOM action, found ${p.action}`);
  if (p.action === 'DENY' && p.rules === undefined) {
    errs.push('DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
  }
  const rawRules = Array.isArray(spec.rules) ? spec.rules : [];
  (p.rules ?? []).forEach((r, i) => {
    const raw = rawRules[i];
    if (!r || !isObj(raw)) {
      errs.push(`\`rule\` must not be nil, found at rule ${i}`);
      return;
    }
    if (Array.isArray(raw.from) && raw.from.length === 0) errs.push(`\`from\` must not be empty, found at rule ${i}`);
    for (const f of r.from ?? []) {
      const s = f.source;
      if (!s) {
        errs.push(`\`from.source\` must not be nil, found at rule ${i}`);
        continue;
      }
      const all = Object.values(s).filter((v) => v !== undefined);
      if ((s.principals?.length ?? 0) + (s.notPrincipals?.length ?? 0) + (s.namespaces?.length ?? 0) + (s.notNamespaces?.length ?? 0) > 0 &&
        (s.serviceAccounts?.length ?? 0) + (s.notServiceAccounts?.length ?? 0) > 0) {
        errs.push(`cannot set serviceAccounts with namespaces or principals, found at rule ${i}`);
      }
      if (all.every((v) => (v as string[]).length === 0)) errs.push(`\`from.source\` must not be empty, found at rule ${i}`);
      for (const k of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) errs.push(...badIps(s[k]));
      const names: Array<[string, string[] | undefined]> = [
        ['Principals', s.principals], ['RequestPrincipals', s.requestPrincipals], ['Namespaces', s.namespaces],
        ['IpBlocks', s.ipBlocks], ['RemoteIpBlocks', s.remoteIpBlocks], ['NotPrincipals', s.notPrincipals],
        ['NotRequestPrincipals', s.notRequestPrincipals], ['NotNamespaces', s.notNamespaces],
        ['NotIpBlocks', s.notIpBlocks], ['NotRemoteIpBlocks', s.notRemoteIpBlocks],
        ['ServiceAccounts', s.serviceAccounts], ['NotServiceAccounts', s.notServiceAccounts],
      ];
      for (const [name, v] of names) {
        const e = emptyValue(name, v);
        if (e) errs.push(e);
      }
    }
    if (Array.isArray(raw.to) && raw.to.length === 0) errs.push(`\`to\` must not be empty, found at rule ${i}`);
    for (const t of r.to ?? []) {
      const op = t.operation;
      if (!op) {
        errs.push(`\`to.operation\` must not be nil, found at rule ${i}`);
        continue;
      }
      if (Object.values(op).every((v) => !v || v.length === 0)) errs.push(`\`to.operation\` must not be empty, found at rule ${i}`);
      errs.push(...badPorts(op.ports), ...badPorts(op.notPorts));
      const names: Array<[string, string[] | undefined]> = [
        ['Ports', op.ports], ['Methods', op.methods], ['Paths', op.paths], ['Hosts', op.hosts],
        ['NotPorts', op.notPorts], ['NotMethods', op.notMethods], ['NotPaths', op.notPaths], ['NotHosts', op.notHosts],
      ];
      for (const [name, v] of names) {
        const e = emptyValue(name, v);
        if (e) errs.push(e);
      }
    }
    for (const c of r.when ?? []) {
      if (!c.key) {
        errs.push('`key` must not be empty');
        continue;
      }
      if (!c.values?.length && !c.notValues?.length) {
        errs.push(`at least one of \`values\` or \`notValues\` must be set for key ${c.key}`);
        continue;
      }
      const ve = c.values?.length ? validateAttribute(c.key, c.values) : undefined;
      if (ve) errs.push(`invalid \`value\` for \`key\` ${c.key}: ${ve}`);
      const ne = c.notValues?.length ? validateAttribute(c.key, c.notValues) : undefined;
      if (ne) errs.push(`invalid \`notValue\` for \`key\` ${c.key}: ${ne}`);
    }
  });
  return errs;
}

function validateRequestAuthn(doc: Obj): string[] {
  const spec = isObj(doc.spec) ? doc.spec : {};
  const ra = toRequestAuthentication(doc);
  const errs: string[] = [...selectorErrors(spec)];
  for (const r of ra.jwtRules) {
    if (r.audiences.some((a) => a === '')) errs.push('audience must be non-empty string');
    if (!r.issuer && !r.jwksUri) errs.push('issuer or jwksUri must be non-empty string');
    if (r.jwksUri && !/^https?:\/\//.test(r.jwksUri)) errs.push(`URI scheme "${r.jwksUri.split(':')[0]}" is not supported`);
    if (r.jwks) {
      try {
        JSON.parse(r.jwks);
      } catch (e) {
        errs.push(`jwks parse error: ${(e as Error).message}`);
      }
    }
    for (const h of r.fromHeaders) if (!h.name) errs.push('location header name must be non-empty string');
    for (const p of r.fromParams) if (!p) errs.push('location query must be non-empty string');
    for (const c of r.fromCookies) if (!c) errs.push('cookie name must be non-empty string');
    for (const c of r.outputClaimToHeaders) {
      if (!c.claim || !c.header) errs.push('outputClaimToHeaders header and claim value must be non-empty string');
      else if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(c.header)) errs.push(`invalid HTTP header name: ${c.header}`);
    }
  }
  return errs;
}

/**
 * The errors istiod's admission webhook would return for one document, each
 * prefixed like istiod's ("invalid policy <name>.<namespace>: ..."). Empty for
 * valid documents and for kinds this engine does not own.
 */
export function validatePolicy(doc: unknown): string[] {
  if (isSecurityDoc(doc, 'AuthorizationPolicy')) {
    const m = isObj(doc.metadata) ? doc.metadata : {};
    const prefix = `invalid policy ${String(m.name ?? '')}.${String(m.namespace ?? 'default')}:`;
    return validateAuthz(doc).map((e) => `${prefix} ${e}`);
  }
  if (isSecurityDoc(doc, 'RequestAuthentication')) {
    const m = isObj(doc.metadata) ? doc.metadata : {};
    const prefix = `invalid request authentication ${String(m.name ?? '')}.${String(m.namespace ?? 'default')}:`;
    return validateRequestAuthn(doc).map((e) => `${prefix} ${e}`);
  }
  return [];
}
