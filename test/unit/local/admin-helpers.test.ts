import { describe, expect, it } from 'vitest';
import { baselineProviderNames, resolvePlaceholders, toKeyProvider } from '../../../scripts/keycloak/admin.js';
import { LabError } from '../../../scripts/core/errors.js';
import type { RealmDoc } from '../../../scripts/manifests/index.js';

describe('admin helpers', () => {
  it('resolves ${LAB_*} everywhere in a realm document, leaving other text alone', () => {
    const doc = {
      realm: 'r',
      clients: [{ secret: '${LAB_CLIENT_SECRET}', description: 'uses ${NOT_LAB} and $LAB_X' }],
      components: { k: [{ config: { privateKey: ['${LAB_R_SIGNING_KEY}'], priority: ['100'] } }] },
      n: 3,
      b: true,
    };
    const out = resolvePlaceholders(doc, { LAB_CLIENT_SECRET: 's3cret', LAB_R_SIGNING_KEY: 'MIIkey' });
    expect(out.clients[0]!.secret).toBe('s3cret');
    expect(out.clients[0]!.description).toBe('uses ${NOT_LAB} and $LAB_X');
    expect(out.components.k[0]!.config.privateKey).toEqual(['MIIkey']);
    expect(out.n).toBe(3);
    expect(doc.clients[0]!.secret).toBe('${LAB_CLIENT_SECRET}');
  });

  it('refuses to send a literal placeholder to Keycloak', () => {
    expect(() => resolvePlaceholders({ a: '${LAB_MISSING}' }, {})).toThrow(LabError);
  });

  it('reads the key providers a realm file declares', () => {
    const doc = {
      realm: 'r',
      components: { 'org.keycloak.keys.KeyProvider': [{ name: 'lab-only-imported-rsa' }, { name: 'hmac-generated' }], other: [{ name: 'x' }] },
    } as unknown as RealmDoc;
    expect(baselineProviderNames(doc)).toEqual(['lab-only-imported-rsa', 'hmac-generated']);
    expect(baselineProviderNames({ realm: 'r' } as RealmDoc)).toEqual([]);
  });

  it('maps component config to typed flags (missing active/enabled mean true)', () => {
    expect(toKeyProvider({ id: '1', name: 'n', providerId: 'rsa-generated', config: { priority: ['200'] } })).toEqual({
      id: '1', name: 'n', providerId: 'rsa-generated', priority: 200, active: true, enabled: true, algorithm: undefined,
    });
    const p = toKeyProvider({ id: '2', name: 'm', providerId: 'rsa', config: { priority: ['100'], active: ['false'], enabled: ['true'], algorithm: ['RS256'] } });
    expect(p).toMatchObject({ active: false, enabled: true, algorithm: 'RS256' });
  });
});
