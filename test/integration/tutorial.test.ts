// The whole tutorial, non-interactively (--yes), against the real local lab:
// every step's commands run as a learner would run them, every check passes,
// the kind-only steps are skipped with their reason, progress is saved.
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { STEPS } from '../../scripts/tutorial/steps/index.js';
import { progressFile } from '../../scripts/tutorial/progress.js';
import { labCli } from './global-setup.js';

const lab = inject('localLab');

describe.skipIf(!lab)('tutorial --yes on the local target', () => {
  if (!lab) it.skip('no local lab in this run (LAB_IT_SKIP_LOCAL=1)', () => {});
  const env = () => ({ LAB_PORT_OFFSET: String(lab!.offset), LAB_STATE_DIR: lab!.stateDir, LAB_TARGET: 'local' });

  it('walks every step, skips the kind-only ones with the reason, and saves progress', async () => {
    expect((await labCli(['reset', '--progress'], env())).exitCode).toBe(0);
    const began = Date.now();
    const r = await labCli(['tutorial', '--yes'], env());
    process.stderr.write(`[tutorial] --yes walk in ${((Date.now() - began) / 1000).toFixed(1)} s, exit ${r.exitCode}\n`);
    expect(r.exitCode, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`).toBe(0);
    const checks = r.stdout.match(/Check: passed ✓/g) ?? [];
    const skipped = STEPS.filter((s) => s.unsupported?.(lab!.cfg));
    expect(checks).toHaveLength(STEPS.length - skipped.length);
    expect(r.stdout).not.toMatch(/Check: FAILED/);
    for (const s of skipped) expect(r.stdout).toContain(`Skipped on the local target: ${s.unsupported!(lab!.cfg)}`);
    expect(r.stdout).toMatch(/The tutorial is complete/);

    const p = JSON.parse(readFileSync(progressFile(), 'utf8')) as { passed: Record<string, string>; skipped: Record<string, string> };
    expect(Object.keys(p.passed).sort()).toEqual(STEPS.filter((s) => !s.unsupported?.(lab!.cfg)).map((s) => s.id).sort());
    expect(Object.keys(p.skipped).sort()).toEqual(skipped.map((s) => s.id).sort());

    const list = await labCli(['tutorial', '--list'], env());
    expect(list.stdout.match(/^✓ /gm)).toHaveLength(STEPS.length - skipped.length);

    // Leave the lab as we found it for the next test file.
    expect((await labCli(['reset', '--progress'], env())).exitCode).toBe(0);
  });

  it('a failing check stops --yes with a non-zero exit and names the step', async () => {
    // Break the policies, then ask only for the curl test: its check must fail.
    expect((await labCli(['tutorial', 'break', 'deny-all-shadowing'], env())).exitCode).toBe(0);
    const n = STEPS.findIndex((s) => s.id === 'curl-test') + 1;
    const r = await labCli(['tutorial', '--yes', '--step', String(n), '--only'], env());
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`Check: FAILED[\\s\\S]*Stopped at step ${n} \\(curl-test\\)`));
    expect((await labCli(['tutorial', 'fix', 'deny-all-shadowing'], env())).exitCode).toBe(0);
    const again = await labCli(['tutorial', '--yes', '--step', String(n), '--only'], env());
    expect(again.exitCode, again.stdout.slice(-2000)).toBe(0);
  });
});
