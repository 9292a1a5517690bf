// AuthorizationPolicy semantics, scope, path normalization and istiod validation.
import { describe, expect, it } from 'vitest';
import { evaluateRbac, loadPolicies, normalizePath, validatePolicy } from '../../../scripts/engine/index.js';
import { GATEWAY_WORKLOAD } from '../../../scripts/core/config.js';
import { requestPrincipalMatch } from '../../../scripts/engine/rbac.js';
import * as h from './helpers.js';

const P = `${h.ISSUER}/user-1`;
const claims = { tenant: 'acme-books', groups: ['readers', 'staff'], org: { team: { name: 'books' } } };
const rbac = (docs: unknown[], ctx: Parameters<typeof evaluateRbac>[2], workload = GATEWAY_WORKLOAD) => evaluateRbac(loadPolicies(docs), workload, ctx);

describe('decision order', () => {
  it('no policies at all: allow', () => {
    expect(rbac([], { method: 'GET', path: '/anything' }).allowed).toBe(true);
  });
  it('DENY wins over ALLOW', () => {
    const docs = [h.authz('allow-all', { rules: [{}] }), h.authz('deny-api', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] })];
    expect(rbac(docs, { method: 'GET', path: '/api/books' })).toMatchObject({ allowed: false, denyingPolicy: 'istio-system/deny-api' });
    expect(rbac(docs, { method: 'GET', path: '/other' })).toMatchObject({ allowed: true, allowingPolicy: 'istio-system/allow-all' });
  });
  it('only DENY policies: whatever they do not match is allowed', () => {
    const docs = [h.authz('deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] })];
    expect(rbac(docs, { method: 'GET', path: '/x' }).allowed).toBe(true);
  });
  it('once an ALLOW policy exists, unmatched requests are denied (implicit deny)', () => {
    const docs = [h.authz('allow-static', { rules: [{ to: [{ operation: { paths: ['/static/*'] } }] }] })];
    expect(rbac(docs, { method: 'GET', path: '/api/books' }).allowed).toBe(false);
  });
  it('rules: [{}] matches everything; spec without rules (ALLOW) matches nothing', () => {
    expect(rbac([h.authz('all', { rules: [{}] })], { method: 'GET', path: '/x' }).allowed).toBe(true);
    expect(rbac([h.authz('none', {})], { method: 'GET', path: '/x' }).allowed).toBe(false);
  });
  it('missing action means ALLOW; AUDIT never decides', () => {
    expect(rbac([h.authz('audit-all', { action: 'AUDIT', rules: [{}] })], { method: 'GET', path: '/x' }).allowed).toBe(true);
    const docs = [h.authz('audit-all', { action: 'AUDIT', rules: [{}] }), h.authz('allow-x', { rules: [{ to: [{ operation: { paths: ['/x'] } }] }] })];
    expect(rbac(docs, { method: 'GET', path: '/y' }).allowed).toBe(false);
  });
  it('CUSTOM with an undefined provider denies what it matches (istiod generates DENY rules)', () => {
    const docs = [h.authz('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] })];
    expect(rbac(docs, { method: 'GET', path: '/admin/x' })).toMatchObject({ allowed: false, denyingPolicy: 'istio-system/ext' });
    expect(rbac(docs, { method: 'GET', path: '/api/x' }).allowed).toBe(true);
  });
});

describe('matching', () => {
  const allow = (rule: Record<string, unknown>) => [h.authz('p', { rules: [rule] })];
  it('paths: exact, prefix*, *suffix, * (non-empty); /api/* is not /api; query ignored', () => {
    const r = allow({ to: [{ operation: { paths: ['/exact', '/api/*', '*.png'] } }] });
    expect(rbac(r, { method: 'GET', path: '/exact' }).allowed).toBe(true);
    expect(rbac(r, { method: 'GET', path: '/exact/' }).allowed).toBe(false);
    expect(rbac(r, { method: 'GET', path: '/api/books?x=1' }).allowed).toBe(true);
    expect(rbac(r, { method: 'GET', path: '/api' }).allowed).toBe(false);
    expect(rbac(r, { method: 'GET', path: '/img/a.png' }).allowed).toBe(true);
    expect(rbac(allow({ to: [{ operation: { paths: ['*'] } }] }), { method: 'GET', path: '/' }).allowed).toBe(true);
  });
  it('paths are matched after BASE normalization', () => {
    const r = allow({ to: [{ operation: { paths: ['/static/*'] } }] });
    expect(rbac(r, { method: 'GET', path: '/static/../api/books' }).allowed).toBe(false);
    const deny = [h.authz('d', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] })];
    expect(rbac(deny, { method: 'GET', path: '/public/../admin' }).allowed).toBe(false);
    expect(rbac(deny, { method: 'GET', path: '/%61dmin' }).allowed).toBe(false);
  });
  it('path templates {*} and {**}', () => {
    const r = allow({ to: [{ operation: { paths: ['/books/{*}/reviews', '/files/{**}'] } }] });
    expect(rbac(r, { method: 'GET', path: '/books/42/reviews' }).allowed).toBe(true);
    expect(rbac(r, { method: 'GET', path: '/books/4/2/reviews' }).allowed).toBe(false);
    expect(rbac(r, { method: 'GET', path: '/files/a/b/c' }).allowed).toBe(true);
  });
  it('methods and notMethods; hosts case-insensitive (port included in Host); ports', () => {
    expect(rbac(allow({ to: [{ operation: { methods: ['GET', 'HEAD'] } }] }), { method: 'POST', path: '/' }).allowed).toBe(false);
    expect(rbac(allow({ to: [{ operation: { notMethods: ['DELETE'] } }] }), { method: 'GET', path: '/' }).allowed).toBe(true);
    const hosts = allow({ to: [{ operation: { hosts: ['Example.com'] } }] });
    expect(rbac(hosts, { method: 'GET', path: '/', headers: { host: 'example.COM' } }).allowed).toBe(true);
    expect(rbac(hosts, { method: 'GET', path: '/', headers: { host: 'example.com:8443' } }).allowed).toBe(false);
    expect(rbac(allow({ to: [{ operation: { ports: ['8443'] } }] }), { method: 'GET', path: '/', port: 8080 }).allowed).toBe(false);
  });
  it('requestPrincipals: exact iss/sub, "*" needs non-empty iss AND sub, prefix/suffix forms', () => {
    expect(requestPrincipalMatch('*', { iss: 'i', sub: 's' })).toBe(true);
    expect(requestPrincipalMatch('*', { iss: 'i' })).toBe(false);
    expect(requestPrincipalMatch('*', { iss: '', sub: 's' })).toBe(false);
    expect(requestPrincipalMatch(P, { iss: h.ISSUER, sub: 'user-1' })).toBe(true);
    expect(requestPrincipalMatch(`${h.ISSUER}/*`, { iss: h.ISSUER, sub: 'x' })).toBe(true);
    expect(requestPrincipalMatch('*/user-1', { iss: 'anything', sub: 'user-1' })).toBe(true);
    expect(requestPrincipalMatch(`${h.ISSUER}/user-*`, { iss: h.ISSUER, sub: 'user-9' })).toBe(true);
    const r = allow({ from: [{ source: { requestPrincipals: ['*'] } }] });
    expect(rbac(r, { method: 'GET', path: '/' }).allowed).toBe(false);
    expect(rbac(r, { method: 'GET', path: '/', principal: P }).allowed).toBe(true);
    const not = allow({ from: [{ source: { notRequestPrincipals: [P] } }] });
    expect(rbac(not, { method: 'GET', path: '/', principal: P }).allowed).toBe(false);
    expect(rbac(not, { method: 'GET', path: '/' }).allowed).toBe(true);
  });
  it('principals/namespaces (mTLS peer identity) never match an external client', () => {
    expect(rbac(allow({ from: [{ source: { principals: ['*'] } }] }), { method: 'GET', path: '/', principal: P }).allowed).toBe(false);
    expect(rbac(allow({ from: [{ source: { namespaces: ['istio-system'] } }] }), { method: 'GET', path: '/' }).allowed).toBe(false);
    expect(rbac(allow({ from: [{ source: { notNamespaces: ['x'] } }] }), { method: 'GET', path: '/' }).allowed).toBe(true);
  });
  it('when claims: string or any list element; nested; values ["*"] requires presence', () => {
    const tenant = allow({ when: [{ key: 'request.auth.claims[tenant]', values: ['*'] }] });
    expect(rbac(tenant, { method: 'GET', path: '/', principal: P, claims }).allowed).toBe(true);
    expect(rbac(tenant, { method: 'GET', path: '/', principal: P, claims: {} }).allowed).toBe(false);
    const groups = allow({ when: [{ key: 'request.auth.claims[groups]', values: ['staff'] }] });
    expect(rbac(groups, { method: 'GET', path: '/', claims }).allowed).toBe(true);
    const nested = allow({ when: [{ key: 'request.auth.claims[org][team][name]', values: ['books'] }] });
    expect(rbac(nested, { method: 'GET', path: '/', claims }).allowed).toBe(true);
    const missing = allow({ when: [{ key: 'request.auth.claims[org][nope]', values: ['books'] }] });
    expect(rbac(missing, { method: 'GET', path: '/', claims }).allowed).toBe(false);
  });
  it('notValues is NOT(match): it MATCHES when the claim is absent', () => {
    const r = allow({ when: [{ key: 'request.auth.claims[tenant]', notValues: ['globex'] }] });
    expect(rbac(r, { method: 'GET', path: '/', claims: {} }).allowed).toBe(true);
    expect(rbac(r, { method: 'GET', path: '/' }).allowed).toBe(true);
    expect(rbac(r, { method: 'GET', path: '/', claims: { tenant: 'globex' } }).allowed).toBe(false);
  });
  it('scope and permission claims are space-delimited lists (Istio 1.21+); others are exact strings', () => {
    const scope = allow({ when: [{ key: 'request.auth.claims[scope]', values: ['books:read'] }] });
    expect(rbac(scope, { method: 'GET', path: '/', claims: { scope: 'openid books:read email' } }).allowed).toBe(true);
    const roles = allow({ when: [{ key: 'request.auth.claims[roles]', values: ['admin'] }] });
    expect(rbac(roles, { method: 'GET', path: '/', claims: { roles: 'admin user' } }).allowed).toBe(false);
  });
  it('request.auth.principal, audiences, presenter and request.headers[...]', () => {
    const p = allow({ when: [{ key: 'request.auth.principal', values: ['*'] }] });
    expect(rbac(p, { method: 'GET', path: '/', principal: P }).allowed).toBe(true);
    const aud = allow({ when: [{ key: 'request.auth.audiences', values: ['storefront-web'] }] });
    expect(rbac(aud, { method: 'GET', path: '/', claims: { aud: ['account', 'storefront-web'] } }).allowed).toBe(true);
    const azp = allow({ when: [{ key: 'request.auth.presenter', values: ['storefront-*'] }] });
    expect(rbac(azp, { method: 'GET', path: '/', claims: { azp: 'storefront-web' } }).allowed).toBe(true);
    const hdr = allow({ when: [{ key: 'request.headers[X-Env]', values: ['prod'] }] });
    expect(rbac(hdr, { method: 'GET', path: '/', headers: { 'x-env': 'prod' } }).allowed).toBe(true);
  });
  it('a rule ANDs from/to/when; lists OR', () => {
    const r = allow({
      from: [{ source: { requestPrincipals: ['nobody/x'] } }, { source: { requestPrincipals: [P] } }],
      to: [{ operation: { paths: ['/a'] } }, { operation: { paths: ['/b'] } }],
      when: [{ key: 'request.auth.claims[tenant]', values: ['acme-books'] }],
    });
    expect(rbac(r, { method: 'GET', path: '/b', principal: P, claims }).allowed).toBe(true);
    expect(rbac(r, { method: 'GET', path: '/c', principal: P, claims }).allowed).toBe(false);
    expect(rbac(r, { method: 'GET', path: '/b', principal: P, claims: { tenant: 'x' } }).allowed).toBe(false);
  });
});

describe('scope', () => {
  const allowNothing = (meta: Record<string, unknown>, spec: Record<string, unknown> = {}) => h.authz('p', spec, meta);
  it('root-namespace policies apply in every namespace; others only in their own', () => {
    const wl = { namespace: 'shop', labels: { app: 'web' } };
    expect(rbac([{ ...allowNothing({}), spec: {} }], { method: 'GET', path: '/' }, wl).allowed).toBe(false);
    expect(rbac([{ ...allowNothing({ namespace: 'other' }), spec: {} }], { method: 'GET', path: '/' }, wl).allowed).toBe(true);
    expect(rbac([{ ...allowNothing({ namespace: 'shop' }), spec: {} }], { method: 'GET', path: '/' }, wl).allowed).toBe(false);
  });
  it('selector labels must all match; a policy with targetRefs does not reach the gateway Deployment', () => {
    expect(rbac([h.authz('p', { selector: { matchLabels: { istio: 'egressgateway' } } })], { method: 'GET', path: '/' }).allowed).toBe(true);
    expect(rbac([h.authz('p', { selector: { matchLabels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } } })], { method: 'GET', path: '/' }).allowed).toBe(false);
    const tr = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 't', namespace: 'istio-system' }, spec: { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }] } };
    expect(rbac([tr], { method: 'GET', path: '/' }).allowed).toBe(true);
  });
});

describe('path normalization (BASE)', () => {
  it.each([
    ['/static/../api/books', '/api/books'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/..', '/'],
    ['/a//b', '/a//b'],
    ['/a\\b', '/a/b'],
    ['/%2e%2e/admin', '/admin'],
    ['/a/%2E/b', '/a/b'],
    ['/%61pi/books', '/api/books'],
    ['/api%2Fbooks', '/api%2Fbooks'],
    ['/a b', '/a%20b'],
    ['/x/../y?q=/../z', '/y?q=/../z'],
  ])('%s -> %s', (input, out) => expect(normalizePath(input)).toBe(out));
});

describe('validatePolicy (istiod webhook)', () => {
  it('notValues: [""] is rejected with "empty value not allowed"', () => {
    const errs = validatePolicy(h.authz('bad', { rules: [{ when: [{ key: 'request.auth.claims[tenant]', notValues: [''] }] }] }));
    expect(errs).toEqual([
      'invalid policy bad.istio-system: invalid `notValue` for `key` request.auth.claims[tenant]: empty value not allowed, found in request.auth.claims[tenant]',
    ]);
  });
  it('the lab policies are valid', () => {
    for (const d of [...h.labAuthz, h.requestAuthentication([h.labRule()])]) expect(validatePolicy(d)).toEqual([]);
  });
  it.each([
    [{ action: 'DENY' }, 'DENY action without `rules` is meaningless'],
    [{ action: 'CUSTOM', rules: [{}] }, '`provider.name` must not be empty'],
    [{ action: 'ALLOW', provider: { name: 'x' }, rules: [{}] }, '`provider` must not be with non CUSTOM action'],
    [{ rules: [{ when: [{ key: 'request.auth.claims[tenant]' }] }] }, 'at least one of `values` or `notValues` must be set for key request.auth.claims[tenant]'],
    [{ rules: [{ when: [{ key: 'request.weird', values: ['x'] }] }] }, 'unknown attribute: request.weird'],
    [{ rules: [{ when: [{ key: 'request.auth.claims', values: ['x'] }] }] }, 'should have format a[b]'],
    [{ rules: [{ to: [{ operation: { paths: [''] } }] }] }, 'empty value not allowed, found in Paths'],
    [{ rules: [{ to: [{ operation: { ports: ['99999'] } }] }] }, 'bad port (99999)'],
    [{ rules: [{ from: [] }] }, '`from` must not be empty'],
    [{ rules: [{ from: [{ source: {} }] }] }, '`from.source` must not be empty'],
    [{ rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/33'] } }] }] }, 'bad CIDR range'],
    [{ action: 'FOO', rules: [{}] }, 'unknown action'],
  ])('%j is rejected', (spec, message) => {
    const errs = validatePolicy(h.authz('p', spec));
    expect(errs.join('\n')).toContain(message);
  });
  it('RequestAuthentication checks', () => {
    expect(validatePolicy(h.requestAuthentication([{ issuer: '', jwksUri: '' }])).join()).toContain('issuer or jwksUri must be non-empty string');
    expect(validatePolicy(h.requestAuthentication([{ issuer: 'i', jwksUri: 'ftp://x' }])).join()).toContain('URI scheme "ftp" is not supported');
    expect(validatePolicy(h.requestAuthentication([{ issuer: 'i', audiences: [''] }])).join()).toContain('audience must be non-empty string');
  });
  it('other kinds are not this validator\'s business', () => {
    expect(validatePolicy({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })).toEqual([]);
  });
});
