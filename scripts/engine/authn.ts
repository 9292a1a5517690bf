// The jwt_authn filter as istiod configures it and Envoy runs it.
//
// istiod (pilot/pkg/security/authn/policy_applier.go convertToEnvoyJwtConfig):
// all jwtRules of the RequestAuthentications that select the workload are
// merged and sorted by issuer; rule i is provider "origins-i". One provider:
//   requires_any [origins-0, allow_missing]
// several providers:
//   requires_any [origins-0, ..., origins-n,
//                 requires_all [any[origins-0, allow_missing], ..., any[origins-n, allow_missing]]]
//
// Envoy (verifier.cc / authenticator.cc): an any-group tries children in order
// and stops at the first OK, else reports the LAST child's status; an
// all-group stops at the first failure. allow_missing is always the last child
// of its group and extracts from its group's providers. An authenticator
// verifies every extracted token (last one first); a provider authenticator
// stops at the first bad token, an allow_missing one keeps going and reports
// the status of the last token it checked (Ok for "no token").
// Per token: parse -> issuer configured for that location -> time (60 s skew)
// -> audiences -> key by kid/alg -> signature.
import { audiencesAllowed, checkTime, parseJwt, type ParsedJwt } from './jwt.js';
import { buildExtractor, extractTokens, issuerAllowed, sanitize, type Extractor, type TokenLocation } from './extract.js';
import { FAKE_JWKS, heldJwks, type HeldJwks } from './jwks.js';
import { verifySignature } from './verify.js';
import { removeQueryParam } from './paths.js';
import type { HeaderMap } from './headers.js';
import type { JwtRuleSpec } from './policies.js';
import type { JwtStatusName } from './status.js';
import type { Jwks, JwksLookup, TraceStep } from './types.js';

export interface Provider {
  name: string;
  rule: JwtRuleSpec;
  /** Lookup key for the JWKS this provider holds (jwksUri, or the issuer's discovery URL). */
  jwksKey: string;
}

type Requirement =
  | { kind: 'provider'; provider: Provider; extractor: Extractor }
  | { kind: 'allowMissing'; providers: Provider[]; extractor: Extractor }
  | { kind: 'any'; children: Requirement[] }
  | { kind: 'all'; children: Requirement[] };

export const CLOCK_SKEW = 60;

/** The key a jwtRule's keys are held under: its jwksUri, else istiod's OpenID discovery of the issuer. */
export function jwksKeyFor(rule: JwtRuleSpec): string {
  if (rule.jwksUri) return rule.jwksUri;
  return `${rule.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

export function buildProviders(rules: JwtRuleSpec[]): Provider[] {
  // Go's slices.SortBy is stable, like Array.prototype.sort.
  const sorted = [...rules].sort((a, b) => (a.issuer < b.issuer ? -1 : a.issuer > b.issuer ? 1 : 0));
  return sorted.map((rule, i) => ({ name: `origins-${i}`, rule, jwksKey: jwksKeyFor(rule) }));
}

const providerReq = (p: Provider): Requirement => ({ kind: 'provider', provider: p, extractor: buildExtractor([p.rule]) });

function requirementFor(providers: Provider[]): Requirement {
  const pair = (p: Provider): Requirement => ({
    kind: 'any',
    children: [providerReq(p), { kind: 'allowMissing', providers: [p], extractor: buildExtractor([p.rule]) }],
  });
  if (providers.length === 1) return pair(providers[0]!);
  return {
    kind: 'any',
    children: [
      ...providers.map(providerReq),
      { kind: 'all', children: providers.map(pair) },
    ],
  };
}

export interface AuthnContext {
  headers: HeaderMap;
  path: string;
  now: number;
  jwks: JwksLookup;
  trace: TraceStep[];
  /** Payload of the last verified token (Envoy's dynamic metadata), normalized for RBAC. */
  payload?: Record<string, unknown>;
  rawPayload?: Record<string, unknown>;
}

export interface AuthnResult {
  status: JwtStatusName | 'Ok';
  providers: Provider[];
}

function heldFor(p: Provider, lookup: JwksLookup): { held: HeldJwks; source: 'inline' | 'fetched' | 'fake' } {
  if (p.rule.jwks) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(p.rule.jwks);
    } catch {
      parsed = null;
    }
    return { held: heldJwks((parsed ?? { keys: null }) as Jwks), source: 'inline' };
  }
  const fetched = lookup(p.jwksKey);
  if (fetched === undefined) return { held: heldJwks(FAKE_JWKS), source: 'fake' };
  return { held: heldJwks(fetched), source: 'fetched' };
}

/** Istio 1.21+: `scope` and `permission` become lists in the metadata RBAC reads. */
function normalizePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const out = { ...payload };
  for (const claim of ['scope', 'permission']) {
    const v = out[claim];
    if (typeof v === 'string') out[claim] = v.split(' ').filter(Boolean);
  }
  return out;
}

function claimToHeaderValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (v >= 0 && Number.isInteger(v) && v < 2 ** 64) return String(v);
    return v.toFixed(6); // std::to_string(double)
  }
  return undefined;
}

function removeToken(loc: TokenLocation, ctx: AuthnContext): void {
  if (loc.kind === 'header') ctx.headers.remove(loc.name);
  else if (loc.kind === 'param') ctx.path = removeQueryParam(ctx.path, loc.name);
  // Envoy leaves cookies in place (TODO in extractor.cc).
}

function findByIssuer(all: Provider[], iss: string): Provider | undefined {
  return all.find((p) => p.rule.issuer === iss) ?? (iss ? all.find((p) => p.rule.issuer === '') : undefined);
}

function authenticate(
  tokens: TokenLocation[],
  provider: Provider | undefined,
  allowMissing: boolean,
  all: Provider[],
  ctx: AuthnContext,
  label: string,
): JwtStatusName | 'Ok' {
  const step = (check: string, ok: boolean, detail: string) => ctx.trace.push({ stage: 'jwt_authn', check, ok, detail: `${label}: ${detail}` });
  if (tokens.length === 0) {
    step('token', allowMissing, allowMissing ? 'no token in this provider\'s locations; allow_missing lets the request through' : 'no token (Jwt is missing)');
    return allowMissing ? 'Ok' : 'JwtMissed';
  }
  const queue = [...tokens];
  let status: JwtStatusName | 'Ok' = 'Ok';
  while (queue.length) {
    const loc = queue.pop()!;
    status = verifyOne(loc, provider, all, ctx, step);
    if (status !== 'Ok' && !allowMissing) return status;
  }
  return status;
}

function verifyOne(
  loc: TokenLocation,
  provider: Provider | undefined,
  all: Provider[],
  ctx: AuthnContext,
  step: (check: string, ok: boolean, detail: string) => void,
): JwtStatusName | 'Ok' {
  const where = loc.kind === 'header' ? `header ${loc.name}` : loc.kind === 'param' ? `query parameter ${loc.name}` : `cookie ${loc.name}`;
  const parsed = parseJwt(loc.token);
  if (!parsed.ok) {
    step('parse', false, `token from ${where} does not parse: ${parsed.status}`);
    return parsed.status;
  }
  const jwt: ParsedJwt = parsed.jwt;
  step('parse', true, `token from ${where}: alg ${jwt.alg}${jwt.kid ? `, kid ${jwt.kid}` : ', no kid'}`);
  if (!issuerAllowed(loc, jwt.iss)) {
    step('issuer', false, `iss "${jwt.iss}" is not a configured issuer for this location (configured: ${[...loc.issuers].map((i) => `"${i}"`).join(', ')})`);
    return 'JwtUnknownIssuer';
  }
  const p = provider ?? findByIssuer(all, jwt.iss);
  if (!p) {
    step('issuer', false, `iss "${jwt.iss}" matches no jwtRule issuer`);
    return 'JwtUnknownIssuer';
  }
  step('issuer', true, `iss "${jwt.iss}" equals jwtRule issuer "${p.rule.issuer}"`);
  const timeStatus = checkTime(jwt, ctx.now, CLOCK_SKEW);
  const window = `now ${ctx.now}, nbf ${jwt.nbf || 'unset'}, exp ${jwt.exp || 'unset'}, skew ${CLOCK_SKEW}s`;
  if (timeStatus) {
    const by = timeStatus === 'JwtExpired' ? ctx.now - (jwt.exp + CLOCK_SKEW) : jwt.nbf - (ctx.now + CLOCK_SKEW);
    step('time', false, `${timeStatus === 'JwtExpired' ? 'expired' : 'not yet valid'} (${window}; outside the window by ${by}s)`);
    return timeStatus;
  }
  step('time', true, `within the window (${window})`);
  if (!audiencesAllowed(p.rule.audiences, jwt.audiences)) {
    step('audience', false, `aud ${JSON.stringify(jwt.audiences)} has none of ${JSON.stringify(p.rule.audiences)}`);
    return 'JwtAudienceNotAllowed';
  }
  step('audience', true, p.rule.audiences.length ? `aud ${JSON.stringify(jwt.audiences)} includes one of ${JSON.stringify(p.rule.audiences)}` : 'no audiences configured: not checked');
  const { held, source } = heldFor(p, ctx.jwks);
  if (held.invalidReason) {
    step('jwks', false, `the JWKS held for ${p.jwksKey} is invalid (${held.invalidReason}); Envoy drops it`);
    return 'JwksNoValidKeys';
  }
  const kids = held.keys.map((k) => k.kid || '<no kid>');
  const holderNote = source === 'fake' ? `JWKS for ${p.jwksKey} could not be fetched: istiod inlined its fake key` : `held keys for ${p.jwksKey}: ${kids.join(', ')}`;
  const verdict = verifySignature(jwt, held);
  if (verdict.status !== 'Ok') {
    const kidNote = jwt.kid ? (held.keys.some((k) => k.kid === jwt.kid) ? `kid ${jwt.kid} is held` : `kid ${jwt.kid} is NOT held`) : 'token has no kid';
    step(verdict.status === 'JwksKidAlgMismatch' ? 'key' : 'signature', false, `${kidNote}; ${holderNote}; ${verdict.candidates} candidate key(s) for alg ${jwt.alg}`);
    return verdict.status;
  }
  step('signature', true, `verified with a held key (${holderNote})`);

  // handleGoodJwt: payload header, claim headers, then drop the original token.
  if (p.rule.outputPayloadToHeader) ctx.headers.add(p.rule.outputPayloadToHeader, jwt.payloadB64);
  for (const c of p.rule.outputClaimToHeaders) {
    const v = claimToHeaderValue(jwt.payload[c.claim]);
    if (v) ctx.headers.add(c.header, v);
  }
  if (!p.rule.forwardOriginalToken) removeToken(loc, ctx);
  ctx.rawPayload = jwt.payload;
  ctx.payload = normalizePayload(jwt.payload);
  return 'Ok';
}

function run(req: Requirement, all: Provider[], ctx: AuthnContext): JwtStatusName | 'Ok' {
  switch (req.kind) {
    case 'provider': {
      const ex = req.extractor;
      sanitize(ex, ctx.headers);
      return authenticate(extractTokens(ex, ctx.headers, ctx.path), req.provider, false, all, ctx, `${req.provider.name} (${req.provider.rule.issuer})`);
    }
    case 'allowMissing': {
      const ex = req.extractor;
      sanitize(ex, ctx.headers);
      return authenticate(extractTokens(ex, ctx.headers, ctx.path), undefined, true, all, ctx, `allow_missing[${req.providers.map((p) => p.name).join(',')}]`);
    }
    case 'any': {
      let last: JwtStatusName | 'Ok' = 'Ok';
      for (const child of req.children) {
        last = run(child, all, ctx);
        if (last === 'Ok') return 'Ok';
      }
      return last;
    }
    case 'all': {
      for (const child of req.children) {
        const s = run(child, all, ctx);
        if (s !== 'Ok') return s;
      }
      return 'Ok';
    }
  }
}

const requirementCache = new WeakMap<Provider[], Requirement>();

/** Runs jwt_authn for the merged jwtRules; mutates ctx.headers / ctx.path like Envoy does. */
export function runJwtAuthn(providers: Provider[], ctx: AuthnContext): JwtStatusName | 'Ok' {
  let req = requirementCache.get(providers);
  if (!req) {
    req = requirementFor(providers);
    requirementCache.set(providers, req);
  }
  return run(req, providers, ctx);
}
