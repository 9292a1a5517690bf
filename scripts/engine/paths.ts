// What Envoy does to :path before any filter or route sees it, with Istio's
// default `pathNormalization: BASE` (normalize_path on, merge_slashes off,
// escaped slashes kept). The canonicalizer is googleurl's CanonicalizePath:
//  - "\" counts as "/";
//  - "." and ".." segments are resolved (RFC 3986 5.2.4), also when written
//    as %2e / %2E;
//  - %XX of an unreserved character (A-Z a-z 0-9 - _ ~) is decoded, other
//    escapes (%2F included) are kept as written;
//  - raw characters that may not appear in a path (space, ", <, >, `, {, },
//    controls, non-ASCII) are percent-encoded.
// The query string is carried over unchanged; a fragment is dropped.

const UNESCAPE = /^[A-Za-z0-9\-_~]$/;
const MUST_ESCAPE = new Set([' ', '"', '<', '>', '`', '{', '}', '\x7f']);

function canonicalSegment(seg: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch === '%') {
      const hex = seg.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        const decoded = String.fromCharCode(parseInt(hex, 16));
        if (UNESCAPE.test(decoded)) out += decoded;
        else out += `%${hex}`;
        i += 2;
        continue;
      }
      out += '%';
      continue;
    }
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code >= 0x80 || MUST_ESCAPE.has(ch)) {
      for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
      continue;
    }
    out += ch;
  }
  return out;
}

function dotKind(seg: string): 'dot' | 'dotdot' | undefined {
  const s = seg.toLowerCase().replace(/%2e/g, '.');
  if (s === '.') return 'dot';
  if (s === '..') return 'dotdot';
  return undefined;
}

export function splitPath(path: string): { pathPart: string; query: string } {
  const noFragment = path.split('#')[0] ?? '';
  const q = noFragment.indexOf('?');
  return q < 0 ? { pathPart: noFragment, query: '' } : { pathPart: noFragment.slice(0, q), query: noFragment.slice(q) };
}

/** Normalized :path, query kept (what the routes, the filters and the upstream see). */
export function normalizePath(path: string): string {
  const { pathPart, query } = splitPath(path);
  if (!pathPart.startsWith('/')) return pathPart + query;
  // Handle the (Windows-style) backslash first; dot detection runs on raw
  // segments so that %2e is recognised before unreserved-decoding.
  const segments = pathPart.replace(/\\/g, '/').split('/').slice(1);
  const stack: string[] = [];
  let trailing = false;
  segments.forEach((raw, i) => {
    const last = i === segments.length - 1;
    const kind = dotKind(raw);
    if (kind === 'dot') {
      trailing = last;
      return;
    }
    if (kind === 'dotdot') {
      stack.pop();
      trailing = last;
      return;
    }
    stack.push(canonicalSegment(raw));
    trailing = false;
  });
  let out = '/' + stack.join('/');
  if (trailing && !out.endsWith('/')) out += '/';
  return out + query;
}

/** The path RBAC's `paths` compare with: normalized, without query. */
export function urlPath(path: string): string {
  return splitPath(path).pathPart;
}

/** Query parameters as Envoy's parseAndDecodeQueryString sees them (first value wins for jwt lookup). */
export function queryParams(path: string): Array<[string, string]> {
  const { query } = splitPath(path);
  if (!query) return [];
  const out: Array<[string, string]> = [];
  for (const part of query.slice(1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    out.push([safeDecode(k), safeDecode(v)]);
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Removes a query parameter (JwtParamLocation::removeJwt), keeping the others as sent. */
export function removeQueryParam(path: string, name: string): string {
  const { pathPart, query } = splitPath(path);
  if (!query) return path;
  const kept = query
    .slice(1)
    .split('&')
    .filter((part) => {
      if (!part) return false;
      const eq = part.indexOf('=');
      return safeDecode(eq < 0 ? part : part.slice(0, eq)) !== name;
    });
  return kept.length ? `${pathPart}?${kept.join('&')}` : pathPart;
}
