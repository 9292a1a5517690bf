import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeConfig } from '../../../scripts/core/config.js';
import { REALMS_DIR } from '../../../scripts/core/paths.js';
import { placeholdersIn } from '../../../scripts/core/secrets.js';
import {
  clientSecretPlaceholder,
  realmImportFiles,
  renderRealms,
  storefrontRedirectUris,
  SIGNING_KEY_PLACEHOLDER,
} from '../../../scripts/manifests/index.js';

type Client = { clientId: string; secret?: string; publicClient?: boolean; redirectUris?: string[]; directAccessGrantsEnabled?: boolean };

describe('renderRealms', () => {
  it('moves storefront-web redirect URIs to the config ports', () => {
    for (const offset of ['0', '2400', '13']) {
      const cfg = makeConfig({ target: 'local', env: { LAB_PORT_OFFSET: offset } });
      const clients = renderRealms(cfg)['bookstore-platform'].clients as Client[];
      const sf = clients.find((c) => c.clientId === 'storefront-web')!;
      expect([...sf.redirectUris!].sort()).toEqual([...storefrontRedirectUris(cfg)].sort());
    }
    expect(storefrontRedirectUris(makeConfig({ target: 'local', env: { LAB_PORT_OFFSET: '2400' } }))).toContain(
      'https://localhost:10843/static/callback.html',
    );
  });

  it('keeps placeholders and the file bytes otherwise', () => {
    const cfg = makeConfig({ target: 'kind', env: {} });
    const files = realmImportFiles(cfg);
    expect(Object.keys(files).sort()).toEqual(['bookstore-platform.json', 'tenant-globex.json']);
    expect(JSON.parse(files['bookstore-platform.json']!)).toEqual(
      JSON.parse(readFileSync(join(REALMS_DIR, 'bookstore-platform.json'), 'utf8')),
    );
    expect(files['bookstore-platform.json']).toContain('${LAB_ADMIN_PORTAL_SECRET}');
  });

  it('names every confidential client secret LAB_<CLIENT>_SECRET and the signing key as agreed', () => {
    const cfg = makeConfig({ target: 'local', env: {} });
    const expected = new Set<string>([SIGNING_KEY_PLACEHOLDER]);
    for (const doc of Object.values(renderRealms(cfg))) {
      for (const c of doc.clients as Client[]) {
        if (c.publicClient) {
          expect(c.secret).toBeUndefined();
          continue;
        }
        expect(c.secret).toBe(`\${${clientSecretPlaceholder(c.clientId)}}`);
        expect(clientSecretPlaceholder(c.clientId)).toMatch(/^LAB_[A-Z0-9_]+_SECRET$/);
        expected.add(clientSecretPlaceholder(c.clientId));
      }
    }
    expect(placeholdersIn()).toEqual([...expected].sort());
    expect(clientSecretPlaceholder('admin-portal')).toBe('LAB_ADMIN_PORTAL_SECRET');
  });
});
