import { describe, expect, it } from 'vitest';
import { caretLines, compareIssuer, firstDifference } from '../../../scripts/doctor/issuer-diff.js';

const PINNED = 'http://localhost:8090/realms/bookstore-platform';

describe('compareIssuer', () => {
  it('says equal only for byte-identical strings', () => {
    expect(compareIssuer(PINNED, PINNED)).toEqual({ equal: true, firstDiff: -1, kinds: [] });
  });

  it('names a trailing slash on either side', () => {
    const a = compareIssuer(PINNED, `${PINNED}/`);
    expect(a.equal).toBe(false);
    expect(a.firstDiff).toBe(PINNED.length);
    expect(a.kinds).toEqual(['trailing slash: the rule has one, the token does not']);
    expect(compareIssuer(`${PINNED}/`, PINNED).kinds).toEqual(['trailing slash: the token has one, the rule does not']);
  });

  it('names a scheme difference and points at the 5th character', () => {
    const d = compareIssuer(PINNED, PINNED.replace('http:', 'https:'));
    expect(d.firstDiff).toBe(4);
    expect(d.kinds).toEqual(['scheme: token has http, rule has https']);
  });

  it('names a missing port, with the default it falls back to', () => {
    const d = compareIssuer(PINNED, 'http://localhost/realms/bookstore-platform');
    expect(d.kinds).toEqual(['port: token has 8090, rule has none (default 80)']);
  });

  it('names the chapter mismatch: scheme, host and port at once', () => {
    const d = compareIssuer(PINNED, 'https://keycloak.bookstore-platform.example.com/realms/bookstore-platform');
    expect(d.kinds).toEqual([
      'scheme: token has http, rule has https',
      'host: token has localhost, rule has keycloak.bookstore-platform.example.com',
      'port: token has 8090, rule has none (default 443)',
    ]);
  });

  it('names another realm', () => {
    expect(compareIssuer('http://localhost:8090/realms/tenant-globex', PINNED).kinds).toEqual([
      'realm: token is from tenant-globex, rule trusts bookstore-platform',
    ]);
  });

  it('names host case and stray whitespace', () => {
    expect(compareIssuer(PINNED.replace('localhost', 'LocalHost'), PINNED).kinds[0]).toMatch(/^host case/);
    expect(compareIssuer(`${PINNED} `, PINNED).kinds[0]).toMatch(/^whitespace/);
  });

  it('still points at a difference for strings that are not URLs', () => {
    const d = compareIssuer('abc', 'abd');
    expect(d.firstDiff).toBe(2);
    expect(d.kinds).toEqual(['character 3 differs']);
  });
});

describe('caretLines', () => {
  it('puts the caret under the first differing character, labels aligned', () => {
    const lines = caretLines(['token iss', 'jwtRule[0]'], [PINNED, `${PINNED}/`]);
    expect(lines).toHaveLength(3);
    const valueStart = lines[0]!.indexOf('http');
    expect(lines[1]!.indexOf('http')).toBe(valueStart);
    expect(lines[2]!.indexOf('^')).toBe(valueStart + PINNED.length);
  });

  it('draws no caret for equal strings', () => {
    expect(caretLines(['a', 'b'], ['x', 'x'])).toHaveLength(2);
    expect(firstDifference('x', 'x')).toBe(-1);
  });
});
