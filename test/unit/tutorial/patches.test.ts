import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeDoc } from '../../../scripts/manifests/index.js';
import {
  breakIssuer,
  breakJwksUri,
  chapterNotValuesPolicy,
  deadPortUri,
  dropAuthorizationPolicies,
  LAB_BREAK_LABEL,
  mistypedIssuer,
  securityDocs,
  shadowingDenyAll,
} from '../../../scripts/tutorial/break/patches.js';

const BASE = parseAllDocuments(`
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: storefront-keycloak, namespace: istio-system }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  jwtRules:
    - issuer: http://localhost:8090/realms/bookstore-platform
      jwksUri: http://127.0.0.1:8090/realms/bookstore-platform/protocol/openid-connect/certs
      audiences: [admin-portal]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: require-jwt-api, namespace: istio-system }
spec:
  action: ALLOW
  rules:
    - from: [{ source: { requestPrincipals: ["*"] } }]
      to: [{ operation: { paths: ["/api/*"] } }]
      when: [{ key: "request.auth.claims[tenant]", values: ["*"] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-all, namespace: istio-system }
spec:
  action: DENY
  rules: [{ to: [{ operation: { notPaths: ["/api/*", "/static/*"] } }] }]
---
apiVersion: v1
kind: Namespace
metadata: { name: bookstore-platform-acme-books }
`).map((d) => d.toJS() as KubeDoc);

const ISS = 'http://localhost:8090/realms/bookstore-platform';
const rule = (docs: KubeDoc[]) =>
  (docs[0]!.spec as { jwtRules: Array<{ issuer: string; jwksUri: string }> }).jwtRules[0]!;

describe('break patches', () => {
  it('mistypes the issuer three ways, each a different string', () => {
    expect(mistypedIssuer(ISS, 'trailing-slash')).toBe(`${ISS}/`);
    expect(mistypedIssuer(ISS, 'scheme')).toBe(ISS.replace('http:', 'https:'));
    expect(mistypedIssuer(ISS, 'port')).toBe('http://localhost/realms/bookstore-platform');
  });

  it('breaks the issuer in a copy and labels it, leaving the baseline untouched', () => {
    const broken = breakIssuer(BASE, 'trailing-slash');
    expect(rule(broken).issuer).toBe(`${ISS}/`);
    expect(rule(BASE).issuer).toBe(ISS);
    expect(broken[0]!.metadata.labels?.[LAB_BREAK_LABEL]).toBe('issuer-mismatch');
  });

  it('points jwksUri at a dead port', () => {
    expect(rule(breakJwksUri(BASE, (u) => deadPortUri(u))).jwksUri).toBe(
      'http://127.0.0.1:9/realms/bookstore-platform/protocol/openid-connect/certs',
    );
    expect(deadPortUri('http://keycloak.keycloak.svc.cluster.local/realms/x/certs')).toBe(
      'http://keycloak.keycloak.svc.cluster.local:9/realms/x/certs',
    );
  });

  it('drops every AuthorizationPolicy and reports which', () => {
    const { kept, removed } = dropAuthorizationPolicies(BASE);
    expect(removed.map((d) => d.metadata.name)).toEqual(['require-jwt-api', 'deny-all']);
    expect(kept.map((d) => d.kind)).toEqual(['RequestAuthentication', 'Namespace']);
  });

  it('turns deny-all into a DENY with one empty rule (matches everything)', () => {
    const d = shadowingDenyAll(BASE).find((x) => x.metadata.name === 'deny-all')!;
    expect(d.spec).toMatchObject({ action: 'DENY', rules: [{}] });
    const added = shadowingDenyAll(BASE.filter((x) => x.metadata.name !== 'deny-all'));
    expect(added.at(-1)!.metadata.name).toBe('deny-all');
  });

  it('builds the chapter\'s notValues [""] policy from the baseline presence check', () => {
    const p = chapterNotValuesPolicy(BASE);
    expect(p.metadata.name).toBe('require-jwt-api');
    const when = (p.spec as { rules: Array<{ when: unknown[] }> }).rules[0]!.when;
    expect(when).toEqual([{ key: 'request.auth.claims[tenant]', notValues: [''] }]);
  });

  it('keeps only the documents the gateway filters read', () => {
    expect(securityDocs(BASE).map((d) => d.kind)).toEqual([
      'RequestAuthentication',
      'AuthorizationPolicy',
      'AuthorizationPolicy',
    ]);
  });
});
