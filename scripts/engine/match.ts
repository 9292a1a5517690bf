// Istio's string-match conventions (pilot/pkg/security/authz/matcher):
// "abc" exact, "abc*" prefix, "*abc" suffix, "*" = any non-empty value
// (regex ".+"). Header-style matchers (methods, request.headers[...]) use a
// presence match for "*" instead, and `hosts` compares case-insensitively.

export function stringMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value.length > 0;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

export function headerMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return true;
  return stringMatch(pattern, value);
}

export function hostMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return true;
  return stringMatch(pattern.toLowerCase(), value.toLowerCase());
}

/** Path templates ({*} one segment, {**} the rest), Istio 1.20+. */
export function isPathTemplate(p: string): boolean {
  return p.includes('{*}') || p.includes('{**}');
}

export function pathMatch(pattern: string, path: string): boolean {
  if (!isPathTemplate(pattern)) return stringMatch(pattern, path);
  const re = pattern
    .split(/(\{\*\*\}|\{\*\})/)
    .map((part) => (part === '{**}' ? '.*' : part === '{*}' ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`).test(path);
}
