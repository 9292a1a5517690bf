import { describe, expect, it } from 'vitest';
import { run } from '../../../scripts/core/proc.js';
import { REPO_ROOT } from '../../../scripts/core/paths.js';
import { lint } from '../../../scripts/lint/index.js';
import { brokenCopy, describeFindings } from './helpers.js';

describe('lab lint on the shipped files', () => {
  it('finds nothing', async () => {
    const report = await lint();
    expect(describeFindings(report)).toBe('');
    expect(report.errors).toBe(0);
    expect(report.files).toEqual(expect.arrayContaining([
      'manifests/10-request-authentication.yaml',
      'manifests/20-authorization-policies.yaml',
      'manifests/catalog/server.mjs',
      'realms/bookstore-platform.json',
      'realms/tenant-globex.json',
    ]));
  });

  it('the CLI exits 0 on the shipped files and 1 on a broken copy, with JSON findings', async () => {
    const ok = await run(['npx', 'tsx', 'scripts/lab.ts', 'lint', '--json'], { cwd: REPO_ROOT, reject: false });
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ errors: 0, findings: [] });

    const copy = brokenCopy();
    copy.editRealm('bookstore-platform', (r) => {
      r.clients.find((c: { clientId: string }) => c.clientId === 'storefront-web').directAccessGrantsEnabled = true;
    });
    const bad = await run(['npx', 'tsx', 'scripts/lab.ts', 'lint', '--manifests', copy.manifests, '--realms', copy.realms], { cwd: REPO_ROOT, reject: false });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain('[storefront-direct-grant] realm bookstore-platform, client storefront-web · clients[0].directAccessGrantsEnabled');
    expect(bad.stdout).toContain('fix: set "directAccessGrantsEnabled": false');
    expect(bad.stdout).toMatch(/✖ 1 error, 0 warnings/);
  }, 30_000);
});
