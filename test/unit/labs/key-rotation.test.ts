// key-rotation against a modelled Keycloak (key providers, priority, active,
// enabled, published JWKS) and gateways that hold a JWKS snapshot until they
// refresh: the lab's steps, its race handling and its clean-up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeConfig, REGIONS, type Region } from '../../../scripts/core/config.js';
import { resetRunner, setRunner } from '../../../scripts/core/proc.js';
import type { KeyProvider } from '../../../scripts/keycloak/admin.js';
import { runLabs } from '../../../scripts/labs/runner.js';
import type { JwksControl, KeyAdmin } from '../../../scripts/labs/types.js';
import { keyRotation } from '../../../labs/key-rotation.js';
import { curlRunner, engineGateway, fakeLab, realmKeys, type RealmKeys } from './fake-lab.js';

interface Provider extends KeyProvider {
  keys: RealmKeys;
}

function world(opts: { canForce: boolean; onChange?: (what: string) => void }) {
  const cfg = makeConfig({ target: 'local', env: {} });
  const lab = fakeLab(cfg);
  const realm = 'bookstore-platform' as const;
  let n = 0;
  const providers: Provider[] = [
    { id: 'p0', name: 'lab-only-imported-rsa', providerId: 'rsa', priority: 100, active: true, enabled: true, algorithm: 'RS256', keys: lab.keys[realm] },
  ];
  const published = () => ({ keys: providers.filter((p) => p.enabled).flatMap((p) => p.keys.jwks.keys) });
  // Keycloak signs with the highest-priority active key; the fake token endpoint reads lab.keys.
  const resign = () => {
    const signer = providers.filter((p) => p.active && p.enabled).sort((a, b) => b.priority - a.priority)[0];
    if (!signer) throw new Error('no active RS256 key left: Keycloak would create a fallback key here');
    lab.keys[realm] = { ...signer.keys, jwks: published() };
  };
  const held = new Map<Region, RealmKeys['jwks']>(REGIONS.map((r) => [r, published()]));
  const counts = new Map<Region, number>(REGIONS.map((r) => [r, 1]));
  const refresh = (r: Region) => {
    held.set(r, published());
    counts.set(r, counts.get(r)! + 1);
  };
  const view = (p: Provider): KeyProvider => ({ id: p.id, name: p.name, providerId: p.providerId, priority: p.priority, active: p.active, enabled: p.enabled, algorithm: p.algorithm });
  const admin: KeyAdmin = {
    listKeyProviders: async () => providers.map(view),
    addRsaGeneratedProvider: async (_realm, o) => {
      const p: Provider = { id: `p${++n}`, name: o.name ?? `rsa-${o.priority}`, providerId: 'rsa-generated', priority: o.priority, active: true, enabled: true, algorithm: 'RS256', keys: realmKeys(`rotated-${n}`) };
      providers.push(p);
      resign();
      opts.onChange?.('add');
      return view(p);
    },
    setProviderState: async (_realm, id, change) => {
      const p = providers.find((x) => x.id === id)!;
      Object.assign(p, Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
      resign();
      opts.onChange?.(change.enabled === false ? 'disable' : change.active === false ? 'passive' : 'restore');
      return view(p);
    },
    deleteProvider: async (_realm, id) => {
      providers.splice(providers.findIndex((x) => x.id === id), 1);
      resign();
    },
    listKeys: async () => ({ active: {}, keys: [] }),
  };
  const jwks: JwksControl = {
    intervalSeconds: async () => 1,
    refreshNow: async (r) => {
      if (!opts.canForce) return false;
      refresh(r);
      return true;
    },
    fetchCount: async (r) => counts.get(r),
    describe: () => 'test',
  };
  const gateway = engineGateway(cfg, (region, r) => (r === realm ? held.get(region) : lab.keys[r].jwks));
  return { cfg, lab, admin, jwks, providers, held, refresh, gateway };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'labs-rot-'));
});
afterEach(() => {
  resetRunner();
  rmSync(dir, { recursive: true, force: true });
});

describe('key-rotation lab', () => {
  it('shows the gap, measures it, and restores the realm and the gateways', async () => {
    const w = world({ canForce: true });
    setRunner(curlRunner(w.cfg, w.gateway));
    const results = await runLabs({ cfg: w.cfg, labs: [keyRotation], env: { LAB_STATE_DIR: dir }, keycloak: w.lab.kc, tokens: w.lab.tokens, jwks: w.jwks, admin: async () => w.admin });
    expect(results.map((r) => [r.region, r.pass, r.error, r.steps.flatMap((s) => s.failures)])).toEqual(REGIONS.map((r) => [r, true, undefined, []]));
    const r = results[0]!;
    expect(r.steps.map((s) => [s.name, s.actual.status])).toEqual([
      ['new token, before the gateway re-fetched JWKS', 401],
      ['old token, its key now passive', 200],
      ['new token, after the gateway re-fetched JWKS', 200],
      ['old token, key disabled, before the next refresh', 200],
      ['old token, after the next refresh', 401],
    ]);
    expect(r.steps[0]!.actual.body).toBe("Jwks doesn't have key to match kid or alg from Jwt");
    expect(r.steps[2]!.notes![0]).toMatch(/s after the change, with the refresh forced by the lab/);
    // Baseline: only the realm's own provider, active and enabled, and every gateway holds its key again.
    expect(w.providers.map((p) => [p.name, p.active, p.enabled])).toEqual([['lab-only-imported-rsa', true, true]]);
    for (const region of REGIONS) expect(w.held.get(region)!.keys.map((k) => k.kid)).toEqual([w.providers[0]!.keys.kid]);
  });

  it('reports, rather than fails, a gateway refresh that lands between the change and the first request', async () => {
    const holder: { w?: ReturnType<typeof world> } = {};
    const w = world({ canForce: true, onChange: (what) => what === 'passive' && holder.w!.refresh('eu-west') });
    holder.w = w;
    setRunner(curlRunner(w.cfg, w.gateway));
    const results = await runLabs({ cfg: w.cfg, labs: [keyRotation], env: { LAB_STATE_DIR: dir }, keycloak: w.lab.kc, tokens: w.lab.tokens, jwks: w.jwks, admin: async () => w.admin });
    const eu = results.find((r) => r.region === 'eu-west')!;
    expect(eu.pass).toBe(true);
    expect(eu.steps[0]!.actual.status).toBe(200);
    expect(eu.steps[0]!.notes![0]).toMatch(/own JWKS refresh landed .* before this request/);
    expect(results.find((r) => r.region === 'us-east')!.steps[0]!.actual.status).toBe(401);
  });

  it('without a way to force it (kind), waits for the gateway\'s own refresh and reports the observed gap', async () => {
    const w = world({ canForce: false });
    const timer = setInterval(() => REGIONS.forEach((r) => w.refresh(r)), 700);
    try {
      setRunner(curlRunner(w.cfg, w.gateway));
      const results = await runLabs({ cfg: { ...w.cfg, regions: ['ap-south'] }, labs: [keyRotation], env: { LAB_STATE_DIR: dir }, keycloak: w.lab.kc, tokens: w.lab.tokens, jwks: w.jwks, admin: async () => w.admin });
      expect(results[0]!.pass).toBe(true);
      expect(results[0]!.steps[2]!.notes![0]).toMatch(/^observed gap: \d\.\d s after the change \(refresh interval 1 s\)$/);
    } finally {
      clearInterval(timer);
    }
  });

  it('cleans up even when the lab fails half-way', async () => {
    const w = world({ canForce: true });
    const broken: KeyAdmin = { ...w.admin, setProviderState: async (realm, id, change) => {
      if (change.enabled === false) throw new Error('admin API down');
      return w.admin.setProviderState(realm, id, change);
    } };
    setRunner(curlRunner(w.cfg, w.gateway));
    const results = await runLabs({ cfg: w.cfg, labs: [keyRotation], env: { LAB_STATE_DIR: dir }, keycloak: w.lab.kc, tokens: w.lab.tokens, jwks: w.jwks, admin: async () => broken });
    expect(results.every((r) => !r.pass && /admin API down/.test(r.error ?? ''))).toBe(true);
    expect(w.providers.map((p) => [p.name, p.active, p.enabled])).toEqual([['lab-only-imported-rsa', true, true]]);
  });
});
