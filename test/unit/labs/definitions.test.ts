import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeConfig, REALMS } from '../../../scripts/core/config.js';
import { SHARED_REFERENCE_DIR } from '../../../scripts/core/paths.js';
import { renderRealms } from '../../../scripts/manifests/index.js';
import { ENVOY_BODIES, type GatewayStep, type LabDefinition, type Principal } from '../../../scripts/labs/types.js';
import { LABS } from '../../../labs/index.js';
import { FACTS } from '../../../labs/facts.js';

// The 17 labs of issue 5, with the headline answer each must assert.
const ISSUE: Record<string, { status: number; body: string | null } | 'scripted'> = {
  'no-token': { status: 403, body: 'RBAC: access denied' },
  'valid-token': { status: 200, body: null },
  'expired-token': { status: 401, body: 'Jwt is expired' },
  'wrong-realm': { status: 401, body: 'Jwt issuer is not configured' },
  'wrong-audience': { status: 403, body: 'Audiences in Jwt are not allowed' },
  'tampered-signature': { status: 401, body: 'Jwt verification fails' },
  'foreign-key': { status: 401, body: "Jwks doesn't have key to match kid or alg from Jwt" },
  'alg-none': { status: 401, body: 'Jwt header [alg] is not supported' },
  'missing-tenant-claim': { status: 403, body: 'RBAC: access denied' },
  'public-static': { status: 200, body: null },
  'other-path': { status: 403, body: 'RBAC: access denied' },
  'forged-payload-header': { status: 200, body: null },
  'direct-grant-refused': { status: 400, body: 'unauthorized_client' },
  'pkce-login': 'scripted',
  'key-rotation': 'scripted',
  'cross-region': { status: 200, body: null },
  'workload-identity': 'scripted',
};

const gatewaySteps = (l: LabDefinition) => (l.steps ?? []).filter((s): s is GatewayStep => s.kind === 'gateway');
const ref = (name: string) => join(SHARED_REFERENCE_DIR, name);
const haveReference = existsSync(ref('istio-jwt.md'));
const squash = (s: string) => s.replace(/\s+/g, ' ');

describe('lab definitions', () => {
  it('are exactly the 17 labs of issue 5, in its order', () => {
    expect(LABS.map((l) => l.id)).toEqual(Object.keys(ISSUE));
  });

  it.each(LABS.map((l) => [l.id, l] as const))('%s is well-formed', (_id, lab) => {
    expect(lab.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(lab.title.length).toBeGreaterThan(10);
    expect(['each', 'us-east']).toContain(lab.regions);
    for (const t of ['kind', 'local'] as const) {
      const s = lab.targets[t];
      expect(s === true || (typeof s === 'object' && s.skip.length > 20)).toBe(true);
    }
    const forms = [lab.steps, lab.run, lab.runAcrossRegions].filter(Boolean);
    expect(forms).toHaveLength(1);
    expect(lab.explain.split(/\s+/).length).toBeGreaterThan(60);
    expect(lab.facts.length).toBeGreaterThan(0);
    for (const f of lab.facts) if (f.errata) expect(f.chapterSaid).toBeTruthy();
    const names = (lab.steps ?? []).map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('headline expectations are the issue\'s', () => {
    for (const lab of LABS) {
      const want = ISSUE[lab.id]!;
      if (want === 'scripted') {
        expect(lab.steps, lab.id).toBeUndefined();
        continue;
      }
      const first = lab.steps![0]!;
      const got = first.kind === 'gateway' ? { status: first.expect.status, body: first.expect.body } : { status: first.expect.status, body: first.expect.error };
      expect(got, lab.id).toEqual(want);
    }
  });

  it('the second halves the issue asks for are there', () => {
    const steps = (id: string) => gatewaySteps(LABS.find((l) => l.id === id)!);
    // 30 s past exp is accepted (60 s skew); --real-expiry has its own runner
    expect(steps('expired-token').find((s) => s.request.token?.kind === 'forge' && s.request.token.exp === -30)?.expect.status).toBe(200);
    expect(LABS.find((l) => l.id === 'expired-token')!.realExpiry).toBeTypeOf('function');
    // /static with an expired token is 401
    expect(steps('public-static').map((s) => [s.request.token?.kind ?? 'none', s.expect.status, s.expect.body])).toEqual([
      ['none', 200, null],
      ['forge', 401, 'Jwt is expired'],
    ]);
    // cross-region: a wrong-realm token fails too
    expect(steps('cross-region')[1]!.expect).toEqual({ status: 401, body: 'Jwt issuer is not configured' });
    // workload identity is kind-only, with a reason on local
    const wi = LABS.find((l) => l.id === 'workload-identity')!;
    expect(wi.targets.kind).toBe(true);
    expect(wi.targets.local).toMatchObject({ skip: expect.stringContaining('--target kind') });
    // key rotation acts once for all regions and so runs alone
    expect(LABS.find((l) => l.id === 'key-rotation')!.runAcrossRegions).toBeTypeOf('function');
  });

  it('every gateway expectation is one of Envoy\'s bodies (or the upstream for 2xx), with a matching status', () => {
    for (const lab of LABS) {
      for (const s of gatewaySteps(lab)) {
        const where = `${lab.id}: ${s.name}`;
        if (s.expect.body === null) expect(s.expect.status, where).toBeLessThan(300);
        else {
          expect(ENVOY_BODIES, where).toContain(s.expect.body);
          // jwt_authn answers 401 except for the audience check; RBAC answers 403
          const want = s.expect.body === 'RBAC: access denied' || s.expect.body === 'Audiences in Jwt are not allowed' ? 403 : 401;
          expect(s.expect.status, where).toBe(want);
        }
        for (const c of s.expect.checks ?? []) expect([c.equals, c.contains, c.lacks].some((v) => v !== undefined), where).toBe(true);
      }
    }
  });

  it('every user and client a lab names exists in the realm files', () => {
    const realms = renderRealms(makeConfig({ target: 'local', env: {} }));
    const principals: Principal[] = [];
    for (const lab of LABS) {
      for (const s of lab.steps ?? []) {
        if (s.kind === 'keycloak-grant') principals.push(s.grant);
        else if (s.request.token?.kind === 'password') principals.push(s.request.token);
      }
    }
    expect(principals.length).toBeGreaterThan(5);
    for (const p of principals) {
      expect(REALMS).toContain(p.realm);
      const doc = realms[p.realm] as unknown as { clients: Array<{ clientId: string }>; users: Array<{ username: string }> };
      expect(doc.clients.map((c) => c.clientId), `${p.client} in ${p.realm}`).toContain(p.client);
      expect(doc.users.map((u) => u.username), `${p.user} in ${p.realm}`).toContain(p.user);
    }
  });
});

describe.skipIf(!haveReference)('lab definitions against ../shared/reference', () => {
  if (!haveReference) it.skip(`../shared/reference is absent (${SHARED_REFERENCE_DIR}): reference checks skipped`, () => {});

  it('ENVOY_BODIES is exactly the body column of istio-jwt.md', () => {
    const md = readFileSync(ref('istio-jwt.md'), 'utf8');
    const table = md.split('\n').filter((l) => /^\| .* \| (passes|\*{0,2}\d{3}\*{0,2}) \|/.test(l));
    const bodies = table.flatMap((l) => [...l.split('|')[3]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    expect(bodies.length).toBeGreaterThan(8);
    expect([...ENVOY_BODIES].sort()).toEqual([...new Set(bodies)].sort());
  });

  it('every fact quote appears verbatim in its reference file', () => {
    const facts = [...Object.values(FACTS), ...LABS.flatMap((l) => l.facts)];
    for (const f of facts) {
      const text = squash(readFileSync(ref(f.ref), 'utf8'));
      expect(text.includes(squash(f.quote)), `${f.ref}: ${f.quote}`).toBe(true);
    }
  });

  it('every errata item a lab cites says what the chapter claimed', () => {
    const errata = readFileSync(ref('chapter-errata.md'), 'utf8');
    for (const f of LABS.flatMap((l) => l.facts).filter((x) => x.errata)) {
      const item = new RegExp(`^${f.errata}\\. `, 'm');
      expect(item.test(errata), `errata item ${f.errata}`).toBe(true);
    }
  });
});
