import { describe, expect, it } from 'vitest';
import { compareGateway, describeAnswer, runCheck, valueAt } from '../../../scripts/labs/compare.js';
import { formatFact, formatTable, toJson } from '../../../scripts/labs/report.js';
import { toJunit, xmlEscape } from '../../../scripts/labs/junit.js';
import { makeConfig } from '../../../scripts/core/config.js';
import type { CheckEnv, LabResult } from '../../../scripts/labs/types.js';

const env: CheckEnv = { cfg: makeConfig({ target: 'local', env: {} }), region: 'us-east', issuer: 'http://localhost:8090/realms/bookstore-platform', sentClaims: { sub: 's1' } };
const wa = { 'www-authenticate': 'Bearer realm="https://localhost:8443/api/books", error="invalid_token"' };

describe('comparing answers', () => {
  it('demands Envoy\'s exact body and its WWW-Authenticate on 401', () => {
    expect(compareGateway({ status: 401, body: 'Jwt is expired' }, { status: 401, body: 'Jwt is expired', headers: wa }, env)).toEqual([]);
    expect(compareGateway({ status: 401, body: 'Jwt is expired' }, { status: 401, body: 'Jwt is expired\n', headers: wa }, env)).toEqual(['body "Jwt is expired", expected "Jwt is expired"']);
    expect(compareGateway({ status: 401, body: 'Jwt is expired' }, { status: 401, body: 'Jwt is expired', headers: {} }, env)[0]).toMatch(/WWW-Authenticate is missing/);
    expect(compareGateway({ status: 403, body: 'RBAC: access denied' }, { status: 200, body: '{}', headers: {} }, env)).toEqual(['status 200, expected 403', 'body "{}", expected "RBAC: access denied"']);
  });

  it('runs JSON checks with literal and run-dependent values', () => {
    const body = JSON.stringify({ receivedJwtPayload: { iss: env.issuer, sub: 's1', aud: ['admin-portal', 'account'] }, receivedHeaders: ['authorization', 'x-jwt-payload'] });
    const checks = [
      { what: 'iss', at: 'receivedJwtPayload.iss', equals: (e: CheckEnv) => e.issuer },
      { what: 'sub', at: 'receivedJwtPayload.sub', equals: (e: CheckEnv) => e.sentClaims?.sub },
      { what: 'aud', at: 'receivedJwtPayload.aud', contains: 'admin-portal' },
      { what: 'no cookie', at: 'receivedHeaders', lacks: 'cookie' },
    ];
    expect(compareGateway({ status: 200, body: null, checks }, { status: 200, body, headers: {} }, env)).toEqual([]);
    expect(runCheck({ what: 'tenant', at: 'receivedJwtPayload.tenant', equals: 'acme-books' }, JSON.parse(body), env)).toBe('tenant: receivedJwtPayload.tenant is nothing, expected "acme-books"');
    expect(runCheck({ what: 'x', at: 'a', equals: () => undefined }, { a: undefined }, env)).toMatch(/expected nothing/);
    expect(compareGateway({ status: 200, body: null, checks }, { status: 200, body: '<html>', headers: {} }, env)).toEqual(['the response is not JSON, so 4 check(s) could not run']);
    expect(valueAt({ a: [{ b: 1 }] }, 'a.0.b')).toBe(1);
  });

  it('describes answers compactly', () => {
    expect(describeAnswer({ status: 200, body: null })).toBe('200');
    expect(describeAnswer({ status: 200, body: '{"books":[]}' }, null)).toBe('200');
    expect(describeAnswer({ status: 401, body: 'Jwt is expired' })).toBe('401 Jwt is expired');
  });
});

const row = (over: Partial<LabResult>): LabResult => ({
  id: 'valid-token',
  region: 'us-east',
  title: 't',
  expected: { status: 200, body: null },
  actual: { status: 200, body: '{"books":[]}' },
  pass: true,
  durationMs: 12,
  steps: [{ name: 's', expected: { status: 200, body: null }, actual: { status: 200, body: '{"books":[]}' }, pass: true, failures: [] }],
  notes: [],
  ...over,
});

describe('output formats', () => {
  it('the table has one row per lab and region', () => {
    const t = formatTable([row({}), row({ region: 'eu-west', pass: false, actual: { status: 401, body: 'Jwt issuer is not configured' } })]).split('\n');
    expect(t[0]).toMatch(/^lab\s+region\s+expected\s+got\s+pass$/);
    expect(t[2]).toMatch(/^valid-token\s+us-east\s+200\s+200\s+PASS$/);
    expect(t[3]).toMatch(/^valid-token\s+eu-west\s+200\s+401 Jwt issuer is not configured\s+FAIL$/);
  });

  it('JSON rows carry exactly the contract fields (plus steps)', () => {
    const [j] = toJson([row({})]) as Array<Record<string, unknown>>;
    expect(Object.keys(j!).slice(0, 6)).toEqual(['id', 'region', 'expected', 'actual', 'pass', 'durationMs']);
    expect(j).toMatchObject({ id: 'valid-token', region: 'us-east', expected: { status: 200, body: null }, pass: true, durationMs: 12 });
  });

  it('JUnit XML is escaped and counts failures and skips', () => {
    const xml = toJunit(
      [row({}), row({ id: 'alg-none', pass: false, actual: { status: 401, body: 'Jwt is not in the form of Header.Payload.Signature <&>' } }), row({ id: 'workload-identity', skipped: true, reason: 'kind "only"' })],
      { target: 'local', wallMs: 1500 },
    );
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain('<testsuites name="bookstore-auth-lab" tests="3" failures="1" skipped="1" time="1.500">');
    expect(xml).toContain('&lt;&amp;&gt;');
    expect(xml).toContain('<skipped message="kind &quot;only&quot;"/>');
    expect((xml.match(/<testcase /g) ?? []).length).toBe(3);
    expect(xmlEscape('a\u0001b')).toBe('ab');
  });

  it('names the errata item and the chapter\'s claim', () => {
    expect(formatFact({ ref: 'chapter-errata.md', section: 'item 8', quote: 'Envoy\'s default is **60 s**', errata: 8, chapterSaid: '"±10 s"' })).toBe(
      'chapter-errata.md item 8: the chapter says "±10 s"; in fact: "Envoy\'s default is **60 s**"',
    );
  });
});
