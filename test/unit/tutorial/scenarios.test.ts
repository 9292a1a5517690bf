import { beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDoctor } from '../../../scripts/doctor/run.js';
import { formatReport } from '../../../scripts/doctor/format.js';
import { SCENARIOS } from '../../../scripts/tutorial/break/registry.js';
import { loadBreakState } from '../../../scripts/tutorial/break/state.js';
import { SCENARIO_IDS, type ProbeToken } from '../../../scripts/tutorial/break/types.js';
import { FakeLab } from './fakes.js';

beforeEach(() => {
  process.env.LAB_STATE_DIR = mkdtempSync(join(tmpdir(), 'lab-f-sc-'));
});

async function tokenFor(lab: FakeLab, kind: ProbeToken): Promise<string | undefined> {
  const s = lab.services();
  if (kind === 'none') return undefined;
  if (kind === 'expired') return s.forgedToken(-120);
  return s.token({ client: 'admin-portal', user: 'demo-user' });
}

describe.each(SCENARIO_IDS.map((id) => [id]))('scenario %s', (id) => {
  it('shows its symptom in every region, doctor names the cause, fix restores the baseline', async () => {
    const fake = new FakeLab();
    const lab = fake.services();
    const sc = SCENARIOS[id];
    const out = await sc.break({ cfg: fake.cfg, lab });
    expect(out.lines.length).toBeGreaterThan(0);
    if (id !== 'notvalues-empty') expect(loadBreakState().active).toHaveProperty(id);

    for (const region of fake.cfg.regions) {
      for (const p of sc.probes) {
        const a = await lab.gateway(region, p.path, { token: await tokenFor(fake, p.token) });
        expect({ region, what: p.what, status: a.status, body: p.expect.body === null ? null : a.body }).toEqual({ region, what: p.what, ...p.expect });
      }
    }

    const token = await tokenFor(fake, sc.doctor.token);
    const report = await runDoctor({ cfg: fake.cfg, lab, region: fake.cfg.regions[0]!, method: 'GET', path: sc.doctor.path, token, send: true });
    const text = formatReport(report, fake.now);
    expect(text).toMatch(sc.doctor.cause);
    expect(report.actual?.matches, text).toBe(true);

    await sc.fix({ cfg: fake.cfg, lab });
    expect(loadBreakState().active).not.toHaveProperty(id);
    expect(loadBreakState().rejected).toBeUndefined();
    for (const region of fake.cfg.regions) {
      expect((await lab.gateway(region, '/api/books', { token: await lab.token({ client: 'admin-portal', user: 'demo-user' }) })).status).toBe(200);
      expect(await lab.gateway(region, '/api/books')).toMatchObject({ status: 403, body: 'RBAC: access denied' });
      expect((await lab.gateway(region, '/static/index.html')).status).toBe(200);
    }
  });
});

describe('scenario details', () => {
  it('issuer-mismatch has three variants and refuses unknown ones', async () => {
    for (const variant of SCENARIOS['issuer-mismatch'].variants!) {
      const fake = new FakeLab();
      await SCENARIOS['issuer-mismatch'].break({ cfg: fake.cfg, lab: fake.services(), variant });
      const r = await runDoctor({ cfg: fake.cfg, lab: fake.services(), region: 'us-east', method: 'GET', path: '/api/books', token: fake.token(), send: false });
      expect(r.causes.join(' ')).toMatch(variant === 'trailing-slash' ? /trailing slash/ : new RegExp(`${variant}: token has`));
    }
    const fake = new FakeLab();
    await expect(SCENARIOS['issuer-mismatch'].break({ cfg: fake.cfg, lab: fake.services(), variant: 'nope' })).rejects.toThrow(/unknown variant/);
  });

  it('audience-mismatch policy variant applies the chapter\'s audiences', async () => {
    const fake = new FakeLab();
    await SCENARIOS['audience-mismatch'].break({ cfg: fake.cfg, lab: fake.services(), variant: 'policy' });
    const a = await fake.services().gateway('us-east', '/api/books', { token: fake.token() });
    expect(a).toMatchObject({ status: 403, body: 'Audiences in Jwt are not allowed' });
    expect(fake.mappers).toHaveLength(1);
    await SCENARIOS['audience-mismatch'].fix({ cfg: fake.cfg, lab: fake.services() });
    expect((await fake.services().gateway('us-east', '/api/books', { token: fake.token() })).status).toBe(200);
  });

  it('notvalues-empty changes nothing and keeps istiod\'s error', async () => {
    const fake = new FakeLab();
    const before = JSON.stringify([...fake.policies]);
    const out = await SCENARIOS['notvalues-empty'].break({ cfg: fake.cfg, lab: fake.services() });
    expect(out.rejected).toMatch(/invalid policy require-jwt-api\.istio-system: .*empty value not allowed/);
    expect(JSON.stringify([...fake.policies])).toBe(before);
    expect(loadBreakState().rejected?.object).toBe('AuthorizationPolicy/istio-system/require-jwt-api');
  });

  it('rotation-gap closes by itself at the next refresh', async () => {
    const fake = new FakeLab();
    const lab = fake.services();
    await SCENARIOS['rotation-gap'].break({ cfg: fake.cfg, lab });
    const t = fake.token();
    expect((await lab.gateway('us-east', '/api/books', { token: t })).status).toBe(401);
    fake.refreshAll();
    expect((await lab.gateway('us-east', '/api/books', { token: t })).status).toBe(200);
  });
});
