// Pure comparison of what a step expected with what came back. No I/O, so the
// unit tests can feed it any response.
import type { CheckEnv, Expected, GatewayExpect, JsonCheck } from './types.js';

const resolve = (v: Expected, env: CheckEnv): unknown => (typeof v === 'function' ? v(env) : v);

/** Dotted-path lookup: `receivedJwtPayload.tenant`, `books.0.id`. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

function has(container: unknown, item: unknown): boolean {
  if (Array.isArray(container)) return container.some((x) => x === item);
  if (typeof container === 'string' && typeof item === 'string') return container.includes(item);
  return false;
}

export function runCheck(check: JsonCheck, json: unknown, env: CheckEnv): string | undefined {
  const got = valueAt(json, check.at);
  if (check.equals !== undefined) {
    const want = resolve(check.equals, env);
    if (want === undefined || JSON.stringify(got) !== JSON.stringify(want)) return `${check.what}: ${check.at} is ${show(got)}, expected ${show(want)}`;
  }
  if (check.contains !== undefined) {
    const want = resolve(check.contains, env);
    if (!has(got, want)) return `${check.what}: ${check.at} (${show(got)}) does not contain ${show(want)}`;
  }
  if (check.lacks !== undefined) {
    const want = resolve(check.lacks, env);
    if (has(got, want)) return `${check.what}: ${check.at} contains ${show(want)}`;
  }
  return undefined;
}

export interface ObservedResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** Every way the response differs from the expectation, in words; empty means pass. */
export function compareGateway(expect: GatewayExpect, res: ObservedResponse, env: CheckEnv): string[] {
  const failures: string[] = [];
  if (res.status !== expect.status) failures.push(`status ${res.status}, expected ${expect.status}`);
  if (expect.body !== null && res.body !== expect.body) failures.push(`body ${JSON.stringify(clip(res.body, 120))}, expected ${JSON.stringify(expect.body)}`);
  if (expect.status === 401 && res.status === 401) {
    // Envoy's jwt_authn: Bearer realm="<original uri>", error="invalid_token"
    const wa = res.headers['www-authenticate'];
    if (!wa || !wa.startsWith('Bearer realm="') || !wa.includes('error="invalid_token"')) {
      failures.push(`WWW-Authenticate is ${wa ? JSON.stringify(wa) : 'missing'}, expected Bearer realm="…", error="invalid_token"`);
    }
  }
  if (expect.checks?.length && res.status === expect.status) {
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      failures.push(`the response is not JSON, so ${expect.checks.length} check(s) could not run`);
      return failures;
    }
    for (const c of expect.checks) {
      const f = runCheck(c, json, env);
      if (f) failures.push(f);
    }
  }
  return failures;
}

export function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** "401 Jwt is expired", "200", "200 (backend)" — how the table shows an answer. */
export function describeAnswer(a: { status: number; body: string | null }, expectedBody?: string | null): string {
  // Status 0: not an HTTP answer (a local verification, or the lab could not run).
  if (a.status === 0) return clip(a.body ?? '—', 60);
  if (a.body === null || expectedBody === null) return String(a.status);
  return `${a.status} ${clip(a.body, 60)}`;
}
