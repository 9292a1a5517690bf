// Every break scenario against the real local lab (Keycloak 24.0.5 + the
// emulated gateways): the gateway answers with the status and body real Istio
// gives, `lab doctor` names the cause and its prediction matches the gateway,
// and `lab:reset` brings the labs back to passing. To keep `npm test` short,
// a focused set of labs runs after each reset and the whole suite once at the end.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SCENARIOS } from '../../scripts/tutorial/break/registry.js';
import { SCENARIO_IDS, type ProbeToken, type ScenarioId } from '../../scripts/tutorial/break/types.js';
import { makeLabServices } from '../../scripts/tutorial/lab-services.js';
import type { LabServices } from '../../scripts/tutorial/services.js';
import { labCli } from './global-setup.js';

const lab = inject('localLab');

/** The labs each scenario could have broken, run after its reset. */
const FOCUS: Record<ScenarioId, string[]> = {
  'issuer-mismatch': ['valid-token', 'wrong-realm'],
  'audience-mismatch': ['valid-token', 'wrong-audience'],
  'jwks-unreachable': ['valid-token', 'tampered-signature'],
  'requestauthentication-without-authorizationpolicy': ['no-token', 'other-path'],
  'rotation-gap': ['valid-token', 'foreign-key'],
  'deny-all-shadowing': ['public-static', 'valid-token'],
  'notvalues-empty': ['missing-tenant-claim', 'valid-token'],
};

interface Row {
  id: string;
  region: string;
  pass: boolean | null;
  skipped?: boolean;
  error?: string;
  actual: { status: number; body: string | null } | null;
}

async function tokenFor(s: LabServices, kind: ProbeToken): Promise<string | undefined> {
  if (kind === 'none') return undefined;
  if (kind === 'expired') return s.forgedToken(-120);
  return s.token({ client: 'admin-portal', user: 'demo-user' });
}

const doctorArgs = (kind: ProbeToken, path: string) => ['doctor', ...(kind === 'demo' ? ['--user', 'demo-user', '--client', 'admin-portal'] : []), '--path', path];

describe.skipIf(!lab)('break and fix on the local target', () => {
  if (!lab) it.skip('no local lab in this run (LAB_IT_SKIP_LOCAL=1)', () => {});
  const env = () => ({ LAB_PORT_OFFSET: String(lab!.offset), LAB_STATE_DIR: lab!.stateDir, LAB_TARGET: 'local' });
  const resets: number[] = [];

  afterAll(() => {
    if (resets.length) process.stderr.write(`[break-fix] lab:reset wall times (ms, CLI included): ${resets.join(', ')}\n`);
  });

  for (const id of SCENARIO_IDS) {
    it(`${id}: the symptom real Istio shows, doctor names the cause, reset restores the labs`, async () => {
      const sc = SCENARIOS[id];
      const services = await makeLabServices(lab!.cfg);

      const b = await labCli(['tutorial', 'break', id, '--json'], env());
      expect(b.exitCode, `${b.stdout}\n${b.stderr}`).toBe(0);
      const outcome = JSON.parse(b.stdout) as { lines: string[]; rejected?: string };
      if (id === 'notvalues-empty') expect(outcome.rejected).toMatch(/empty value not allowed/);

      for (const region of lab!.cfg.regions) {
        for (const p of sc.probes) {
          const a = await services.gateway(region, p.path, { token: await tokenFor(services, p.token) });
          expect({ region, probe: p.what, status: a.status, body: p.expect.body === null ? null : a.body.trim() }).toEqual({
            region,
            probe: p.what,
            ...p.expect,
          });
        }
      }

      const d = await labCli(doctorArgs(sc.doctor.token, sc.doctor.path), env());
      expect(d.stdout, d.stderr).toMatch(sc.doctor.cause);
      expect(d.stdout).toMatch(/Actual: .*✓ matches the prediction/);
      expect(d.exitCode).toBe(0);

      const began = Date.now();
      const r = await labCli(['reset'], env());
      resets.push(Date.now() - began);
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);

      const labs = await labCli(['labs', '--json', ...FOCUS[id]], env());
      const rows = JSON.parse(labs.stdout) as Row[];
      expect(rows.filter((x) => !x.skipped && x.pass !== true).map((x) => `${x.id}[${x.region}] ${x.error ?? JSON.stringify(x.actual)}`)).toEqual([]);
      expect(rows.length).toBeGreaterThan(0);
    });
  }

  it('after every scenario and reset, the whole labs suite passes', async () => {
    const r = await labCli(['labs', '--json'], env());
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows.filter((x) => !x.skipped && x.pass !== true).map((x) => `${x.id}[${x.region}] ${x.error ?? JSON.stringify(x.actual)}`)).toEqual([]);
    expect(r.exitCode).toBe(0);
  });
});
