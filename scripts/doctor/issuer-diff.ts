// Compares a token's `iss` with a jwtRule issuer the way a person needs to see
// it: Envoy compares the two strings byte for byte, so one stray slash is a
// 401. We point at the first differing character and name the kind of
// difference (scheme, host, port, path, trailing slash, case, whitespace).

export interface StringDiff {
  equal: boolean;
  /** Index of the first differing character (the shorter length when one is a prefix of the other). */
  firstDiff: number;
  /** Human-named differences, e.g. "scheme: token has http, rule has https". */
  kinds: string[];
}

export function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

interface UrlParts {
  scheme: string;
  host: string;
  /** Explicit port, or undefined when the URL relies on the scheme's default. */
  port?: string;
  path: string;
}

function parseUrl(s: string): UrlParts | undefined {
  // A hand-split, not `new URL`, because URL normalises what we want to show
  // (default ports, case of the host, an empty path becoming "/").
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/:?#]*)(?::(\d*))?([^?#]*)/.exec(s);
  if (!m) return undefined;
  return { scheme: m[1]!, host: m[2]!, port: m[3] || undefined, path: m[4] ?? '' };
}

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };

function describePort(p: UrlParts): string {
  return p.port ?? `none (default ${DEFAULT_PORT[p.scheme.toLowerCase()] ?? '?'})`;
}

/** What differs between the token's issuer and a rule's issuer, named. */
export function compareIssuer(tokenIss: string, ruleIssuer: string): StringDiff {
  const firstDiff = firstDifference(tokenIss, ruleIssuer);
  if (firstDiff === -1) return { equal: true, firstDiff, kinds: [] };
  const kinds: string[] = [];
  if (tokenIss.trim() !== tokenIss || ruleIssuer.trim() !== ruleIssuer) {
    kinds.push('whitespace: one of them has leading or trailing spaces');
  }
  const t = parseUrl(tokenIss.trim());
  const r = parseUrl(ruleIssuer.trim());
  if (t && r) {
    if (t.scheme !== r.scheme) kinds.push(`scheme: token has ${t.scheme}, rule has ${r.scheme}`);
    if (t.host !== r.host) {
      kinds.push(
        t.host.toLowerCase() === r.host.toLowerCase()
          ? `host case: token has ${t.host}, rule has ${r.host} (compared byte for byte)`
          : `host: token has ${t.host}, rule has ${r.host}`,
      );
    }
    if (t.port !== r.port) kinds.push(`port: token has ${describePort(t)}, rule has ${describePort(r)}`);
    if (t.path !== r.path) {
      const tp = t.path.replace(/\/+$/, '');
      const rp = r.path.replace(/\/+$/, '');
      if (tp === rp) {
        kinds.push(
          t.path.length > r.path.length
            ? 'trailing slash: the token has one, the rule does not'
            : 'trailing slash: the rule has one, the token does not',
        );
      } else {
        const tRealm = /\/realms\/([^/]+)/.exec(t.path)?.[1];
        const rRealm = /\/realms\/([^/]+)/.exec(r.path)?.[1];
        if (tRealm && rRealm && tRealm !== rRealm) kinds.push(`realm: token is from ${tRealm}, rule trusts ${rRealm}`);
        else kinds.push(`path: token has ${t.path || '(empty)'}, rule has ${r.path || '(empty)'}`);
      }
    }
  }
  if (kinds.length === 0) {
    kinds.push(
      tokenIss.toLowerCase() === ruleIssuer.toLowerCase()
        ? 'case: the strings differ only in upper/lower case'
        : `character ${firstDiff + 1} differs`,
    );
  }
  return { equal: false, firstDiff, kinds };
}

/**
 * Two aligned lines and a caret line under the first difference:
 *   token iss   http://localhost:8090/realms/x
 *   jwtRule[0]  https://localhost:8090/realms/x
 *                   ^
 */
export function caretLines(labels: [string, string], values: [string, string], indent = ''): string[] {
  const width = Math.max(labels[0].length, labels[1].length);
  const i = firstDifference(values[0], values[1]);
  const lines = [
    `${indent}${labels[0].padEnd(width)}  ${values[0]}`,
    `${indent}${labels[1].padEnd(width)}  ${values[1]}`,
  ];
  if (i >= 0) lines.push(`${indent}${' '.repeat(width)}  ${' '.repeat(i)}^ first difference (character ${i + 1})`);
  return lines;
}
