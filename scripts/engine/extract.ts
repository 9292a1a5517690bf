// Token extraction, as Envoy's jwt_authn ExtractorImpl does it
// (source/extensions/filters/http/jwt_authn/extractor.cc):
//  - header locations first (ordered by header name + prefix), then query
//    parameters (ordered by name), then cookies;
//  - a header value is a token location only if it CONTAINS the prefix
//    (case-sensitive, anywhere: value.find(prefix)); the token then starts at
//    the first base64url-or-dot character after the prefix and runs to the END
//    of the value (since envoy#28678, 2023, nothing after a space is cut off,
//    so "Bearer <jwt> junk" fails parsing instead of passing). With no such
//    character the whole value is the token;
//  - no fromHeaders/fromParams/fromCookies at all means: header Authorization
//    with prefix "Bearer ", and query parameter access_token;
//  - each location remembers which issuers configured it.
import type { HeaderMap } from './headers.js';
import { queryParams } from './paths.js';
import type { JwtRuleSpec } from './policies.js';

const JWT_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

export interface TokenLocation {
  token: string;
  kind: 'header' | 'param' | 'cookie';
  /** Header or parameter (or cookie) name. */
  name: string;
  prefix?: string;
  /** Issuers that configured this location; '' in the set means "any issuer". */
  issuers: Set<string>;
}

export function issuerAllowed(loc: TokenLocation, iss: string): boolean {
  return loc.issuers.has('') || loc.issuers.has(iss);
}

interface Spec {
  headers: Map<string, { name: string; prefix: string; issuers: Set<string> }>;
  params: Map<string, Set<string>>;
  cookies: Map<string, Set<string>>;
  sanitize: string[];
}

export function buildExtractor(rules: JwtRuleSpec[]): Spec {
  const spec: Spec = { headers: new Map(), params: new Map(), cookies: new Map(), sanitize: [] };
  const addHeader = (issuer: string, name: string, prefix: string) => {
    const lower = name.toLowerCase();
    const key = lower + prefix;
    const entry = spec.headers.get(key) ?? { name: lower, prefix, issuers: new Set<string>() };
    entry.issuers.add(issuer);
    spec.headers.set(key, entry);
  };
  const addTo = (map: Map<string, Set<string>>, key: string, issuer: string) => {
    const set = map.get(key) ?? new Set<string>();
    set.add(issuer);
    map.set(key, set);
  };
  for (const r of rules) {
    for (const h of r.fromHeaders) addHeader(r.issuer, h.name, h.prefix);
    for (const p of r.fromParams) addTo(spec.params, p, r.issuer);
    for (const c of r.fromCookies) addTo(spec.cookies, c, r.issuer);
    if (r.fromHeaders.length === 0 && r.fromParams.length === 0 && r.fromCookies.length === 0) {
      addHeader(r.issuer, 'authorization', 'Bearer ');
      addTo(spec.params, 'access_token', r.issuer);
    }
    if (r.outputPayloadToHeader) spec.sanitize.push(r.outputPayloadToHeader.toLowerCase());
    for (const c of r.outputClaimToHeaders) if (c.header) spec.sanitize.push(c.header.toLowerCase());
  }
  return spec;
}

function tokenAfterPrefix(value: string, prefix: string): string | undefined {
  if (!prefix) return value;
  const pos = value.indexOf(prefix);
  if (pos < 0) return undefined;
  for (let i = pos + prefix.length; i < value.length; i++) {
    if (JWT_CHARS.includes(value[i]!)) return value.slice(i);
  }
  return value;
}

function parseCookies(values: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    for (const part of v.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const k = part.slice(0, eq).trim();
      let val = part.slice(eq + 1).trim();
      if (val.length >= 2 && val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1);
      if (!out.has(k)) out.set(k, val);
    }
  }
  return out;
}

const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function extractTokens(spec: Spec, headers: HeaderMap, path: string): TokenLocation[] {
  const out: TokenLocation[] = [];
  for (const [, loc] of byKey(spec.headers)) {
    for (const value of headers.get(loc.name)) {
      const token = tokenAfterPrefix(value, loc.prefix);
      if (token === undefined) continue;
      out.push({ token, kind: 'header', name: loc.name, prefix: loc.prefix, issuers: loc.issuers });
    }
  }
  if (spec.params.size) {
    const params = queryParams(path);
    for (const [name, issuers] of byKey(spec.params)) {
      const hit = params.find(([k]) => k === name);
      if (hit) out.push({ token: hit[1], kind: 'param', name, issuers });
    }
  }
  if (spec.cookies.size) {
    const cookies = parseCookies(headers.get('cookie'));
    for (const [name, issuers] of byKey(spec.cookies)) {
      const v = cookies.get(name);
      if (v !== undefined) out.push({ token: v, kind: 'cookie', name, issuers });
    }
  }
  return out;
}

/** sanitizeHeaders: output header names a client might try to forge. */
export function sanitize(spec: Spec, headers: HeaderMap): void {
  for (const h of spec.sanitize) headers.remove(h);
}

export type Extractor = Spec;
