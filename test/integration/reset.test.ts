// lab:reset against the real local lab: whatever a lab or a break added
// (extra key providers, a removed mapper, patched policies, break records) is
// gone afterwards, tutorial progress survives unless --progress, and running
// it twice is fine. Timing is measured by scripts/bench/reset.ts, not here.
import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { PRIMARY_REALM } from '../../scripts/core/config.js';
import { LabAdmin, baselineProviderNames } from '../../scripts/keycloak/admin.js';
import { renderManifests, renderRealms } from '../../scripts/manifests/index.js';
import { GatewayControl } from '../../scripts/gateway/control-client.js';
import { securityDocs } from '../../scripts/tutorial/break/patches.js';
import { loadBreakState } from '../../scripts/tutorial/break/state.js';
import { makeLabServices } from '../../scripts/tutorial/lab-services.js';
import { progressFile } from '../../scripts/tutorial/progress.js';
import { labCli } from './global-setup.js';

const lab = inject('localLab');

describe.skipIf(!lab)('lab:reset on the local target', () => {
  if (!lab) it.skip('no local lab in this run (LAB_IT_SKIP_LOCAL=1)', () => {});
  const env = () => ({ LAB_PORT_OFFSET: String(lab!.offset), LAB_STATE_DIR: lab!.stateDir, LAB_TARGET: 'local' });

  it('removes what labs and breaks added, keeps progress, and is idempotent', async () => {
    const cfg = lab!.cfg;
    const admin = await LabAdmin.connect(cfg);
    const baselineNames = baselineProviderNames(renderRealms(cfg)[PRIMARY_REALM]);
    // What a lab leaves behind: an extra signing key. What breaks leave: patched policies, a removed mapper.
    await admin.addRsaGeneratedProvider(PRIMARY_REALM, { priority: 500, name: 'left-by-a-lab' });
    for (const id of ['deny-all-shadowing', 'audience-mismatch']) {
      const b = await labCli(['tutorial', 'break', id, '--json'], env());
      expect(b.exitCode, b.stderr).toBe(0);
    }
    writeFileSync(progressFile(), JSON.stringify({ version: 1, passed: { 'install-istio': 'x' }, skipped: {} }));
    const services = await makeLabServices(cfg);
    expect((await services.gateway('us-east', '/static/index.html')).status).toBe(403);

    const r = await labCli(['reset', '--json'], env());
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; totalMs: number; steps: Array<{ what: string; ms: number }> };
    process.stderr.write(`[reset] ${out.totalMs} ms: ${out.steps.map((s) => `${s.what} ${s.ms} ms`).join(', ')}\n`);

    expect((await admin.listKeyProviders(PRIMARY_REALM)).map((p) => p.name).sort()).toEqual([...baselineNames].sort());
    for (const region of cfg.regions) {
      const p = await new GatewayControl(region).policies();
      expect(p.docs, region).toEqual(securityDocs(renderManifests(cfg, region)));
      expect((await services.gateway(region, '/static/index.html')).status).toBe(200);
      const token = await services.token({ client: 'admin-portal', user: 'demo-user' });
      expect((await services.gateway(region, '/api/books', { token })).status).toBe(200);
    }
    expect(loadBreakState().active).toEqual({});
    expect(existsSync(progressFile())).toBe(true);

    const again = await labCli(['reset', '--progress'], env());
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/lab:reset done in/);
    expect(existsSync(progressFile())).toBe(false);
  });

  it('--dry-run prints the plan and touches nothing', async () => {
    const b = await labCli(['tutorial', 'break', 'issuer-mismatch'], env());
    expect(b.exitCode, b.stderr).toBe(0);
    const r = await labCli(['reset', '--dry-run'], env());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/re-create realms[\s\S]*baseline policies/);
    expect(loadBreakState().active).toHaveProperty('issuer-mismatch');
    expect((await labCli(['reset'], env())).exitCode).toBe(0);
    expect(loadBreakState().active).toEqual({});
  });
});
