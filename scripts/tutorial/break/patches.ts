// The policy half of the break scenarios: pure functions that take the
// baseline documents (parsed, never templated) and return a broken copy. The
// same patched documents go to the local gateways and to `kubectl apply`.
import type { KubeDoc } from '../../manifests/index.js';

export const LAB_BREAK_LABEL = 'bookstore-auth-lab/break';

const clone = <T>(v: T): T => structuredClone(v);

export type IssuerVariant = 'trailing-slash' | 'scheme' | 'port';
export const ISSUER_VARIANTS: IssuerVariant[] = ['trailing-slash', 'scheme', 'port'];

/** The issuer a learner might have typed instead of the pinned one. */
export function mistypedIssuer(issuer: string, variant: IssuerVariant): string {
  switch (variant) {
    case 'trailing-slash':
      return issuer.endsWith('/') ? issuer.slice(0, -1) : `${issuer}/`;
    case 'scheme':
      return issuer.startsWith('https://') ? issuer.replace(/^https:/, 'http:') : issuer.replace(/^http:/, 'https:');
    case 'port': {
      const m = /^(https?:\/\/[^/:]+)(?::(\d+))?(\/.*)?$/.exec(issuer);
      if (!m) throw new Error(`cannot find a port in issuer ${issuer}`);
      // Dropping the port is the classic slip: the URL still "looks right".
      return m[2] ? `${m[1]}${m[3] ?? ''}` : `${m[1]}:8443${m[3] ?? ''}`;
    }
  }
}

function isKind(d: KubeDoc, kind: string): boolean {
  return d.kind === kind && typeof d.apiVersion === 'string' && d.apiVersion.startsWith('security.istio.io/');
}

interface JwtRule {
  issuer?: string;
  jwksUri?: string;
  audiences?: string[];
  [k: string]: unknown;
}

function jwtRules(d: KubeDoc): JwtRule[] {
  const spec = (d.spec ?? {}) as { jwtRules?: JwtRule[] };
  return spec.jwtRules ?? [];
}

function markBroken(d: KubeDoc, scenario: string): KubeDoc {
  d.metadata.labels = { ...(d.metadata.labels ?? {}), [LAB_BREAK_LABEL]: scenario };
  return d;
}

/** Every RequestAuthentication jwtRule gets a mistyped issuer. */
export function breakIssuer(docs: KubeDoc[], variant: IssuerVariant): KubeDoc[] {
  let changed = 0;
  const out = docs.map((orig) => {
    if (!isKind(orig, 'RequestAuthentication')) return orig;
    const d = clone(orig);
    for (const rule of jwtRules(d)) {
      if (rule.issuer) {
        rule.issuer = mistypedIssuer(rule.issuer, variant);
        changed++;
      }
    }
    return markBroken(d, 'issuer-mismatch');
  });
  if (!changed) throw new Error('no RequestAuthentication jwtRule with an issuer in the baseline');
  return out;
}

/** jwksUri points at a port where nothing listens. */
export function breakJwksUri(docs: KubeDoc[], deadUri: (uri: string) => string): KubeDoc[] {
  let changed = 0;
  const out = docs.map((orig) => {
    if (!isKind(orig, 'RequestAuthentication')) return orig;
    const d = clone(orig);
    for (const rule of jwtRules(d)) {
      if (rule.jwksUri) {
        rule.jwksUri = deadUri(rule.jwksUri);
        changed++;
      }
    }
    return markBroken(d, 'jwks-unreachable');
  });
  if (!changed) throw new Error('no RequestAuthentication jwtRule with a jwksUri in the baseline');
  return out;
}

/** Same URL, but a port that refuses connections (9 = discard, never served here). */
export function deadPortUri(uri: string, port = 9): string {
  const m = /^(https?:\/\/[^/:]+)(?::\d+)?(\/.*)?$/.exec(uri);
  if (!m) throw new Error(`cannot rewrite jwksUri ${uri}`);
  return `${m[1]}:${port}${m[2] ?? ''}`;
}

/** Only the RequestAuthentication stays: verification without enforcement. */
export function dropAuthorizationPolicies(docs: KubeDoc[]): { kept: KubeDoc[]; removed: KubeDoc[] } {
  const removed = docs.filter((d) => isKind(d, 'AuthorizationPolicy'));
  if (!removed.length) throw new Error('the baseline has no AuthorizationPolicy to remove');
  return { kept: docs.filter((d) => !isKind(d, 'AuthorizationPolicy')), removed };
}

/** deny-all as the chapter lists it: a DENY whose one empty rule matches every request. */
export function shadowingDenyAll(docs: KubeDoc[], name = 'deny-all'): KubeDoc[] {
  let found = false;
  const out = docs.map((orig) => {
    if (!isKind(orig, 'AuthorizationPolicy') || orig.metadata.name !== name) return orig;
    found = true;
    const d = clone(orig);
    d.spec = { ...((d.spec as Record<string, unknown>) ?? {}), action: 'DENY', rules: [{}] };
    return markBroken(d, 'deny-all-shadowing');
  });
  if (!found) {
    // No deny-all in the baseline: add the chapter's.
    const ns = docs.find((d) => isKind(d, 'AuthorizationPolicy'))?.metadata.namespace ?? 'istio-system';
    out.push(
      markBroken(
        {
          apiVersion: 'security.istio.io/v1',
          kind: 'AuthorizationPolicy',
          metadata: { name, namespace: ns },
          spec: { selector: { matchLabels: { istio: 'ingressgateway' } }, action: 'DENY', rules: [{}] },
        },
        'deny-all-shadowing',
      ),
    );
  }
  return out;
}

interface Condition {
  key: string;
  values?: string[];
  notValues?: string[];
}

/**
 * The chapter's presence check: `notValues: [""]` on the tenant claim. Returns
 * only the changed policy, because that is what a learner would apply.
 */
export function chapterNotValuesPolicy(docs: KubeDoc[], claimKey = 'request.auth.claims[tenant]'): KubeDoc {
  for (const orig of docs) {
    if (!isKind(orig, 'AuthorizationPolicy')) continue;
    const d = clone(orig);
    const rules = ((d.spec as { rules?: Array<{ when?: Condition[] }> })?.rules ?? []);
    for (const rule of rules) {
      for (const cond of rule.when ?? []) {
        if (cond.key === claimKey) {
          delete cond.values;
          cond.notValues = [''];
          return markBroken(d, 'notvalues-empty');
        }
      }
    }
  }
  throw new Error(`no AuthorizationPolicy in the baseline has a condition on ${claimKey}`);
}

/** Only the RequestAuthentication and AuthorizationPolicy documents (what the gateway's filters read). */
export function securityDocs(docs: KubeDoc[]): KubeDoc[] {
  return docs.filter((d) => isKind(d, 'RequestAuthentication') || isKind(d, 'AuthorizationPolicy'));
}
