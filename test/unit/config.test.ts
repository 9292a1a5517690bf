import { describe, expect, it } from 'vitest';
import { makeConfig, issuerFor, jwksUriFor, parseRegions, gatewayUrl } from '../../scripts/core/config.js';

describe('config', () => {
  it('gives each region the ports the README promises', () => {
    const cfg = makeConfig({ target: 'kind', env: {} });
    expect(cfg.ports['us-east']).toEqual({ https: 8443, http: 8080 });
    expect(cfg.ports['eu-west']).toEqual({ https: 9443, http: 9080 });
    expect(cfg.ports['ap-south']).toEqual({ https: 10443, http: 10080 });
    expect(cfg.keycloakPort).toBe(8090);
    expect(gatewayUrl(cfg, 'eu-west')).toBe('https://localhost:9443');
  });

  it('pins the issuer to localhost:8090 on both targets', () => {
    for (const target of ['kind', 'local'] as const) {
      expect(issuerFor(makeConfig({ target, env: {} }), 'bookstore-platform')).toBe(
        'http://localhost:8090/realms/bookstore-platform',
      );
    }
  });

  it('shifts every port, and the issuer with it, by LAB_PORT_OFFSET', () => {
    const cfg = makeConfig({ target: 'local', env: { LAB_PORT_OFFSET: '100' } });
    expect(cfg.ports['ap-south']).toEqual({ https: 10543, http: 10180 });
    expect(issuerFor(cfg, 'tenant-globex')).toBe('http://localhost:8190/realms/tenant-globex');
  });

  it('points each region at a JWKS it can reach', () => {
    const kind = makeConfig({ target: 'kind', env: {} });
    expect(jwksUriFor(kind, 'us-east', 'bookstore-platform')).toBe(
      'http://keycloak.keycloak.svc.cluster.local/realms/bookstore-platform/protocol/openid-connect/certs',
    );
    expect(jwksUriFor(kind, 'eu-west', 'bookstore-platform', '172.18.0.2')).toBe(
      'http://172.18.0.2:30090/realms/bookstore-platform/protocol/openid-connect/certs',
    );
    const local = makeConfig({ target: 'local', env: {} });
    expect(jwksUriFor(local, 'ap-south', 'bookstore-platform')).toMatch(/^http:\/\/127\.0\.0\.1:8090\//);
  });

  it('rejects unknown regions and keeps order without duplicates', () => {
    expect(parseRegions('eu-west,us-east,eu-west')).toEqual(['eu-west', 'us-east']);
    expect(() => parseRegions('mars')).toThrow(/unknown region "mars"/);
  });
});
