// Each broken variant is caught with its own specific finding: where, what
// the real system would do, and the fix.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CRD_FILE } from '../../../scripts/lint/crd.js';
import { brokenCopy, client, describeFindings, only } from './helpers.js';

const AP = '20-authorization-policies.yaml';
const RA = '10-request-authentication.yaml';

describe('chapter errata the lint must catch', () => {
  it('item 2: notValues: [""] is refused by the webhook and named at the exact field', async () => {
    const copy = brokenCopy();
    copy.editDoc(AP, 'AuthorizationPolicy', 'require-jwt-api', (d) => {
      d.setIn(['spec', 'rules', 0, 'when', 0], d.createNode({ key: 'request.auth.claims[tenant]', notValues: [''] }));
    });
    const report = await copy.lint();
    const [f, ...rest] = only(report, 'admission');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      severity: 'error',
      object: 'AuthorizationPolicy istio-system/require-jwt-api',
      field: 'spec.rules[0].when[0].notValues[0]',
      message: 'invalid `notValue` for `key` request.auth.claims[tenant]: empty value not allowed, found in request.auth.claims[tenant]',
    });
    expect(f!.file).toMatch(/manifests\/20-authorization-policies\.yaml$/);
    expect(f!.runtime).toContain('admission webhook "validation.istio.io" denied the request');
    expect(f!.fix).toContain('values: ["*"]');
    // and the semantic trap behind it
    expect(only(report, 'notvalues-absent-claim')[0]!.runtime).toContain('token without tenant is ALLOWED');
    expect(report.errors).toBe(1);
  });

  it('item 3: audiences with no audience mapper in the realm -> 403 Audiences in Jwt are not allowed', async () => {
    const copy = brokenCopy();
    copy.editRealm('bookstore-platform', (r) => {
      for (const c of r.clients) c.protocolMappers = (c.protocolMappers ?? []).filter((m: { protocolMapper: string }) => m.protocolMapper !== 'oidc-audience-mapper');
    });
    const report = await copy.lint();
    const [f, ...rest] = only(report, 'audience-not-issued');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'error', object: 'RequestAuthentication istio-system/storefront-keycloak', field: 'spec.jwtRules[0].audiences' });
    expect(f!.message).toContain('no client of realm bookstore-platform puts any of [storefront-web, admin-portal, kiosk-shortlived] in aud');
    expect(f!.runtime).toContain('403 "Audiences in Jwt are not allowed"');
    expect(f!.fix).toContain('oidc-audience-mapper');
    expect(report.errors).toBe(1);
  });

  it('item 3, partly: one listed audience never issued is a warning, not an error', async () => {
    const copy = brokenCopy();
    copy.editRealm('bookstore-platform', (r) => {
      client(r, 'kiosk-shortlived').protocolMappers = client(r, 'kiosk-shortlived').protocolMappers.filter((m: { protocolMapper: string }) => m.protocolMapper !== 'oidc-audience-mapper');
    });
    const report = await copy.lint();
    expect(report.errors).toBe(0);
    expect(only(report, 'audience-not-issued')).toMatchObject([{ severity: 'warning', message: expect.stringContaining('kiosk-shortlived is listed') }]);
  });

  it("item 4: the chapter's issuer is not the pinned one -> every token gets 401 Jwt issuer is not configured", async () => {
    const copy = brokenCopy();
    copy.editDoc(RA, 'RequestAuthentication', 'storefront-keycloak', (d) => {
      d.setIn(['spec', 'jwtRules', 0, 'issuer'], 'https://keycloak.bookstore-platform.example.com/realms/bookstore-platform');
    });
    const report = await copy.lint();
    const [f, ...rest] = only(report, 'issuer-mismatch');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'error', field: 'spec.jwtRules[0].issuer' });
    expect(f!.runtime).toContain('401 "Jwt issuer is not configured"');
    expect(f!.fix).toContain('"http://localhost:8090/realms/bookstore-platform"');
    expect(f!.message).toContain('differ from character 5');
  });

  it('item 4, byte for byte: a trailing slash is a different issuer', async () => {
    const copy = brokenCopy();
    copy.editDoc(RA, 'RequestAuthentication', 'storefront-keycloak', (d) => {
      d.setIn(['spec', 'jwtRules', 0, 'issuer'], 'http://localhost:8090/realms/bookstore-platform/');
    });
    const [f] = only(await copy.lint(), 'issuer-mismatch');
    expect(f?.message).toContain('differ from character 48');
  });

  it('item 10: a deny-all that matches everything shadows both ALLOWs (found by the engine)', async () => {
    const copy = brokenCopy();
    copy.editDoc(AP, 'AuthorizationPolicy', 'deny-all', (d) => {
      d.setIn(['spec', 'rules'], d.createNode([{}]));
    });
    const report = await copy.lint();
    const found = only(report, 'deny-shadows-allow');
    expect(found.map((f) => f.message)).toEqual([
      'this DENY policy matches GET /static/index.html, which ALLOW istio-system/allow-public-static rule 0 is there to let through',
      'this DENY policy matches GET /api/books with a valid token, which ALLOW istio-system/require-jwt-api rule 0 is there to let through',
    ]);
    for (const f of found) {
      expect(f.object).toBe('AuthorizationPolicy istio-system/deny-all');
      expect(f.runtime).toContain('403 "RBAC: access denied"');
      expect(f.fix).toContain('notPaths');
    }
    expect(report.errors).toBe(2);
  });
});

describe('other broken variants', () => {
  it('a RequestAuthentication whose selector misses the gateway', async () => {
    const copy = brokenCopy();
    copy.editDoc(RA, 'RequestAuthentication', 'storefront-keycloak', (d) => {
      d.setIn(['spec', 'selector', 'matchLabels'], d.createNode({ istio: 'ingress-gateway' }));
    });
    const report = await copy.lint();
    const [f, ...rest] = only(report, 'selector-misses-gateway');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'error', object: 'RequestAuthentication istio-system/storefront-keycloak', field: 'spec.selector.matchLabels' });
    expect(f!.message).toContain('selector istio=ingress-gateway does not match the workload (istio=ingressgateway)');
    expect(f!.runtime).toContain('never validates tokens');
    // with no RequestAuthentication on the gateway, the principal check fires too
    expect(only(report, 'principal-without-requestauthentication')).toHaveLength(1);
  });

  it('an AuthorizationPolicy that needs a principal with no RequestAuthentication at all', async () => {
    const copy = brokenCopy();
    copy.remove(`manifests/${RA}`);
    const report = await copy.lint();
    const [f, ...rest] = only(report, 'principal-without-requestauthentication');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'error', object: 'AuthorizationPolicy istio-system/require-jwt-api', field: 'spec.rules' });
    expect(f!.runtime).toContain('403 "RBAC: access denied", valid tokens included');
    expect(describeFindings(report).split('\n')).toHaveLength(1);
  });

  it('a literal client secret', async () => {
    const copy = brokenCopy();
    copy.editRealm('bookstore-platform', (r) => {
      client(r, 'admin-portal').secret = 'REPLACE-ME-VIA-ESO-NOT-IN-SOURCE';
    });
    const report = await copy.lint();
    expect(only(report, 'literal-client-secret')).toMatchObject([{
      severity: 'error',
      object: 'realm bookstore-platform, client admin-portal',
      field: 'clients[1].secret',
      fix: expect.stringContaining('"${LAB_ADMIN_PORTAL_SECRET}"'),
    }]);
    expect(report.errors).toBe(1);
  });

  it('a literal private key, PEM or base64 DER, anywhere', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const copy = brokenCopy();
    copy.editRealm('bookstore-platform', (r) => {
      r.components['org.keycloak.keys.KeyProvider'][0].config.privateKey = [privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')];
    });
    copy.write('manifests/catalog/static/key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const report = await copy.lint();
    expect(only(report, 'literal-key-material')).toMatchObject([{ field: 'components["org.keycloak.keys.KeyProvider"][0].config.privateKey[0]' }]);
    const keys = only(report, 'literal-private-key');
    expect(keys.map((k) => k.file.split('/').slice(-2).join('/')).sort()).toEqual(['realms/bookstore-platform.json', 'static/key.pem']);
  });

  it('storefront-web with direct grants on, or without PKCE S256', async () => {
    const copy = brokenCopy();
    copy.editRealm('bookstore-platform', (r) => {
      client(r, 'storefront-web').directAccessGrantsEnabled = true;
      client(r, 'storefront-web').attributes['pkce.code.challenge.method'] = 'plain';
    });
    const report = await copy.lint();
    expect(only(report, 'storefront-direct-grant')).toMatchObject([{ field: 'clients[0].directAccessGrantsEnabled', runtime: expect.stringContaining('unauthorized_client') }]);
    expect(only(report, 'storefront-pkce')).toMatchObject([{ message: 'PKCE method is "plain", not S256', field: 'clients[0].attributes["pkce.code.challenge.method"]' }]);
    expect(report.errors).toBe(2);
  });

  it.skipIf(!existsSync(CRD_FILE))('an unknown field in a RequestAuthentication (1.23.2 CRD schema)', async () => {
    const copy = brokenCopy();
    copy.editDoc(RA, 'RequestAuthentication', 'storefront-keycloak', (d) => {
      const aud = d.getIn(['spec', 'jwtRules', 0, 'audiences']);
      d.deleteIn(['spec', 'jwtRules', 0, 'audiences']);
      d.setIn(['spec', 'jwtRules', 0, 'audience'], aud);
    });
    const report = await copy.lint();
    expect(only(report, 'unknown-field')).toMatchObject([{
      severity: 'error',
      field: 'spec.jwtRules[0].audience',
      message: 'unknown field "spec.jwtRules[0].audience" (did you mean "audiences"?)',
      runtime: expect.stringContaining('strict decoding error: unknown field "spec.jwtRules[0].audience"'),
      fix: 'rename "audience" to "audiences"',
    }]);
    expect(report.errors).toBe(1);
  });
  if (!existsSync(CRD_FILE)) it.skip(`CRD schema checks need ${CRD_FILE} (../shared/reference is absent)`, () => {});

  it.skipIf(!existsSync(CRD_FILE))('a wrong type against the CRD schema', async () => {
    const copy = brokenCopy();
    copy.editDoc(RA, 'RequestAuthentication', 'storefront-keycloak', (d) => {
      d.setIn(['spec', 'jwtRules', 0, 'forwardOriginalToken'], 'yes');
    });
    expect(only(await copy.lint(), 'schema')).toMatchObject([{ field: 'spec.jwtRules[0].forwardOriginalToken', message: 'spec.jwtRules[0].forwardOriginalToken must be boolean' }]);
  });

  it('an unknown metadata field, on any kind (no reference needed)', async () => {
    const copy = brokenCopy();
    copy.editDoc('40-catalog.yaml', 'Deployment', 'catalog', (d) => {
      d.setIn(['metadata', 'lables'], d.createNode({ app: 'catalog' }));
    });
    expect(only(await copy.lint(), 'unknown-field')).toMatchObject([{ field: 'metadata.lables', fix: 'rename "lables" to "labels"' }]);
  });

  it('a kubernetes-models type error in a Deployment', async () => {
    const copy = brokenCopy();
    copy.editDoc('40-catalog.yaml', 'Deployment', 'catalog', (d) => {
      d.setIn(['spec', 'replicas'], 'one');
    });
    expect(only(await copy.lint(), 'schema')).toMatchObject([{ object: 'Deployment bookstore-platform-acme-books/catalog', field: 'spec.replicas' }]);
  });

  it('a tenant claim nobody issues -> valid tokens get 403', async () => {
    const copy = brokenCopy();
    copy.editDoc(AP, 'AuthorizationPolicy', 'require-jwt-api', (d) => {
      d.setIn(['spec', 'rules', 0, 'when', 0, 'key'], 'request.auth.claims[org]');
    });
    expect(only(await copy.lint(), 'claim-not-issued')).toMatchObject([{
      severity: 'error', field: 'spec.rules[0].when[0].key', runtime: expect.stringContaining('403 "RBAC: access denied", valid tokens included'),
    }]);
  });

  it('the tenant attribute on users only (Keycloak 24 drops unmanaged user attributes)', async () => {
    const copy = brokenCopy();
    copy.editRealm('bookstore-platform', (r) => {
      delete r.groups[0].attributes.tenant;
      r.users[0].attributes = { tenant: ['acme-books'] };
    });
    expect(only(await copy.lint(), 'claim-source')).toMatchObject([{ severity: 'warning', runtime: expect.stringContaining('keycloak #27823') }]);
  });

  it('a user the declarative user profile would block', async () => {
    const copy = brokenCopy();
    copy.editRealm('bookstore-platform', (r) => {
      delete r.users[1].firstName;
      r.users[1].emailVerified = false;
    });
    expect(only(await copy.lint(), 'user-profile')).toMatchObject([{
      object: 'realm bookstore-platform, user no-tenant-user', message: 'user lacks firstName, emailVerified', runtime: expect.stringContaining('Account is not fully set up'),
    }]);
  });

  it('no ALLOW on /api at all: a request without a token would reach the catalog', async () => {
    const copy = brokenCopy();
    copy.removeDoc(AP, 'AuthorizationPolicy', 'require-jwt-api');
    copy.removeDoc(AP, 'AuthorizationPolicy', 'allow-public-static');
    const report = await copy.lint();
    expect(only(report, 'api-open')).toMatchObject([{ severity: 'error', message: 'GET /api/books without a token is allowed' }]);
  });

  it('a Gateway selecting no ingress pod, and a route to a missing gateway', async () => {
    const copy = brokenCopy();
    copy.editDoc('30-gateway.yaml', 'Gateway', 'bookstore-gateway', (d) => d.setIn(['spec', 'selector', 'istio'], 'gateway'));
    copy.editDoc('30-gateway.yaml', 'VirtualService', 'bookstore-routes', (d) => d.setIn(['spec', 'gateways', 0], 'istio-system/other'));
    const report = await copy.lint();
    expect(only(report, 'selector-misses-gateway')).toMatchObject([{ object: 'Gateway istio-system/bookstore-gateway', field: 'spec.selector.istio' }]);
    expect(only(report, 'route-gateway')).toMatchObject([{ field: 'spec.gateways[0]', runtime: expect.stringContaining('404') }]);
  });

  it('an unparsable file is a finding, not a crash', async () => {
    const copy = brokenCopy();
    copy.write('manifests/99-broken.yaml', 'kind: [unclosed\n');
    copy.write('realms/tenant-globex.json', '{ "realm": ');
    const report = await copy.lint();
    expect(only(report, 'parse').map((f) => f.file.split('/').pop()).sort()).toEqual(['99-broken.yaml', 'tenant-globex.json']);
  });
});

describe('without ../shared/reference', () => {
  it('still type-checks Istio kinds with @kubernetes-models/istio', async () => {
    const { schemaFindings } = await import('../../../scripts/lint/schema.js');
    const { loadInput } = await import('../../../scripts/lint/load.js');
    const copy = brokenCopy();
    copy.editDoc(RA, 'RequestAuthentication', 'storefront-keycloak', (d) => {
      d.setIn(['spec', 'jwtRules', 0, 'forwardOriginalToken'], 'yes');
    });
    const docs = loadInput({ manifests: [copy.manifests], realms: [copy.realms] }).docs;
    const found = await schemaFindings(docs, null);
    expect(found).toMatchObject([{ rule: 'schema', object: 'RequestAuthentication istio-system/storefront-keycloak', field: 'spec.jwtRules[0].forwardOriginalToken' }]);
    expect(await schemaFindings(loadInput().docs, null)).toEqual([]);
  });
});
