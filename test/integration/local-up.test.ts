// The local target end to end, on the lab the integration harness brought up
// (global-setup.ts): real Keycloak tokens through the emulated Istio gateways,
// failures with Envoy's exact status/body (reference istio-jwt.md), key
// rotation through the admin API, idempotent `up`, crash recovery and `down`.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { SignJWT } from 'jose';
import { issuerFor, PRIMARY_REALM, REGIONS, type Region } from '../../scripts/core/config.js';
import { readSecrets, signingKey, type LabSecrets } from '../../scripts/core/secrets.js';
import { LabAdmin } from '../../scripts/keycloak/admin.js';
import { keycloakBackchannel } from '../../scripts/keycloak/ready.js';
import { decodeJwt, passwordGrant } from '../../scripts/keycloak/tokens.js';
import { clientSecretPlaceholder, renderRealms } from '../../scripts/manifests/index.js';
import { straysOf } from '../../scripts/targets/local/down.js';
import { localLayout } from '../../scripts/targets/local/layout.js';
import { portFree } from '../../scripts/targets/local/ports.js';
import { running } from '../../scripts/targets/local/processes.js';
import type { LocalState } from '../../scripts/targets/local/state.js';
import { labCli } from './global-setup.js';

const lab = inject('localLab');

describe.skipIf(!lab)('local target with real Keycloak 24.0.5', () => {
  // (describe bodies run even when skipped: no `lab!` dereference out here)
  const cfg = lab?.cfg as NonNullable<typeof lab>['cfg'];
  const env = { LAB_PORT_OFFSET: String(lab?.offset), LAB_STATE_DIR: String(lab?.stateDir), LAB_TARGET: 'local' };
  let state = lab?.state as LocalState;
  let secrets: LabSecrets;
  let tls: Agent;

  // The gateways' certificate is made per lab (and again after down + up): trust exactly it.
  const trustCurrentCert = async () => {
    await tls?.close();
    tls = new Agent({ connect: { ca: readFileSync(state.tls.cert, 'utf8'), servername: 'localhost' } });
  };

  beforeAll(async () => {
    secrets = readSecrets(env)!;
    await trustCurrentCert();
  });
  afterAll(async () => tls?.close());

  // ── helpers ────────────────────────────────────────────────────────────────
  async function api(region: Region, token: string | undefined, scheme: 'https' | 'http' = 'https') {
    const port = cfg.ports[region][scheme];
    const url = `${scheme}://${cfg.host}:${port}/api/books`;
    const res = await request(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      dispatcher: scheme === 'https' ? tls : undefined,
    });
    const text = await res.body.text();
    return { status: res.statusCode, text, headers: res.headers, url };
  }

  const user = { demo: { username: 'demo-user', password: 'demo-password' }, noTenant: { username: 'no-tenant-user', password: 'no-tenant-password' } };
  async function token(clientId: string, who: { username: string; password: string }, realm: string = PRIMARY_REALM) {
    const placeholder = clientSecretPlaceholder(clientId);
    const t = await passwordGrant({
      keycloakUrl: keycloakBackchannel(cfg),
      realm,
      clientId,
      clientSecret: secrets.env[placeholder],
      username: who.username,
      password: who.password,
    });
    return t.accessToken;
  }

  /** Re-sign a real token's claims (changed as asked) with a given key and kid. */
  async function resign(real: string, key: KeyObject, change: Record<string, unknown>, kid?: string) {
    const { header, payload } = decodeJwt(real);
    return new SignJWT({ ...payload, ...change })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: kid ?? String(header.kid) })
      .sign(key);
  }

  /** The gateway's control API, on its unix socket (recorded in state.json from its READY line). */
  async function gatewayAdmin(region: Region, path: string, method: 'GET' | 'POST' = 'GET') {
    const socketPath = state.regions[region]?.adminSocket;
    if (!socketPath) throw new Error(`no gateway control socket for ${region} in state.json`);
    const agent = new Agent({ connect: { socketPath } });
    try {
      const res = await request(`http://gateway${path}`, { method, dispatcher: agent });
      return (await res.body.json()) as { fetches: number; entries?: Array<{ key: string; jwks?: { keys?: Array<{ kid?: string }> } }> };
    } finally {
      await agent.close();
    }
  }
  const gatewayKids = async (region: Region) =>
    (await gatewayAdmin(region, '/jwks')).entries?.flatMap((e) => e.jwks?.keys?.map((k) => String(k.kid)) ?? []) ?? [];

  const unauthorized = (r: { status: number; text: string; headers: Record<string, unknown>; url: string }, body: string) => {
    expect({ status: r.status, body: r.text }).toEqual({ status: 401, body });
    expect(r.headers['www-authenticate']).toBe(`Bearer realm="${r.url}", error="invalid_token"`);
  };

  // ── the lab as the harness left it ─────────────────────────────────────────
  it('is up and healthy: every process ours, every probe green', async () => {
    const r = await labCli(['status', '--target', 'local', '--json'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { processes: Array<{ name: string; state: string; healthy: boolean }> };
    expect(s.processes.map((p) => p.name).sort()).toEqual(['backend', ...REGIONS.map((x) => `gateway-${x}`), 'keycloak'].sort());
    expect(s.processes.every((p) => p.state === 'ours' && p.healthy)).toBe(true);
    expect(state.keycloakUrl).toBe(`http://localhost:${cfg.keycloakPort}`);
  });

  it('passes real Keycloak tokens on every region, https and http, with the verified claims forwarded', async () => {
    const t = await token('admin-portal', user.demo);
    for (const region of REGIONS) {
      for (const scheme of ['https', 'http'] as const) {
        const r = await api(region, t, scheme);
        expect(r.status, `${region} ${scheme}: ${r.text}`).toBe(200);
        const body = JSON.parse(r.text) as { receivedJwtPayload: Record<string, unknown> | null; receivedHeaders: string[] };
        expect(body.receivedJwtPayload?.iss).toBe(issuerFor(cfg, PRIMARY_REALM));
        expect(body.receivedJwtPayload?.tenant).toBe('acme-books');
        // forwardOriginalToken: true keeps Authorization for the backend.
        expect(body.receivedHeaders).toContain('authorization');
      }
    }
  });

  it('refuses what Istio refuses, with Envoy\'s exact status and body', async () => {
    const real = await token('admin-portal', user.demo);
    const now = Math.floor(Date.now() / 1000);
    const realmKey = signingKey(secrets, 'LAB_BOOKSTORE_SIGNING_KEY');
    const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

    // No token: jwt_authn lets it through, RBAC wants a principal (errata 1: 403, not 401).
    expect(await api('us-east', undefined).then((r) => [r.status, r.text])).toEqual([403, 'RBAC: access denied']);
    // Expired beyond the 60 s skew, signed by the realm's real key.
    unauthorized(await api('us-east', await resign(real, realmKey, { exp: now - 120 })), 'Jwt is expired');
    // Expired 30 s ago: still inside Envoy's 60 s clock skew, so accepted.
    expect((await api('us-east', await resign(real, realmKey, { exp: now - 30 }))).status).toBe(200);
    // Forged: right kid, wrong key.
    unauthorized(await api('eu-west', await resign(real, strangerKey, {})), 'Jwt verification fails');
    // Forged AND expired: time is checked before the signature.
    unauthorized(await api('eu-west', await resign(real, strangerKey, { exp: now - 120 })), 'Jwt is expired');
    // Another realm's real token: its issuer is in no jwtRule.
    const globex = await token('globex-portal', { username: 'globex-user', password: 'globex-password' }, 'tenant-globex');
    unauthorized(await api('ap-south', globex), 'Jwt issuer is not configured');
    // A kid the JWKS does not have.
    unauthorized(await api('ap-south', await resign(real, strangerKey, {}, 'no-such-kid')), "Jwks doesn't have key to match kid or alg from Jwt");
    // Valid token, no tenant claim: jwt_authn passes, RBAC's presence check does not.
    expect(await api('us-east', await token('admin-portal', user.noTenant)).then((r) => [r.status, r.text])).toEqual([403, 'RBAC: access denied']);
    // Valid token whose aud is only Keycloak's default `account`: 403 from jwt_authn (errata 3).
    expect(await api('us-east', await token('catalog-reporting', user.demo)).then((r) => [r.status, r.text])).toEqual([403, 'Audiences in Jwt are not allowed']);
  });

  // ── key rotation through the admin API (reference keycloak.md + istio-jwt.md) ──
  it('rotates keys the way istiod + Keycloak do: new key unknown until the JWKS refresh, passive still verifies, disabled fails after the refresh', async () => {
    const admin = await LabAdmin.connect(cfg, secrets);
    try {
      const oldToken = await token('admin-portal', user.demo);
      const oldKid = String(decodeJwt(oldToken).header.kid);

      // Refresh us-east now and restart its timer: the next periodic refresh is a full interval away.
      const fetchesAfterRefresh = (await gatewayAdmin('us-east', '/jwks/refresh?restart=1', 'POST')).fetches;

      await admin.addRsaGeneratedProvider(PRIMARY_REALM, { priority: 200 });
      const newToken = await token('admin-portal', user.demo);
      const newKid = String(decodeJwt(newToken).header.kid);
      expect(newKid).not.toBe(oldKid);

      // Keycloak already publishes the new key; the gateway has not fetched it yet.
      unauthorized(await api('us-east', newToken), "Jwks doesn't have key to match kid or alg from Jwt");
      expect((await api('us-east', oldToken)).status).toBe(200);
      expect((await gatewayAdmin('us-east', '/jwks')).fetches).toBe(fetchesAfterRefresh);

      // The periodic refresh (no request triggers it) brings the new key in.
      const until = Date.now() + (state.jwksRefreshSeconds + 10) * 1000;
      while (!(await gatewayKids('us-east')).includes(newKid)) {
        expect(Date.now(), 'new key never reached the gateway').toBeLessThan(until);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect((await api('us-east', newToken)).status).toBe(200);

      // Old key passive: signs nothing new, still published, still verifies.
      const imported = (await admin.listKeyProviders(PRIMARY_REALM)).find((p) => p.name === 'lab-only-imported-rsa')!;
      await admin.setProviderState(PRIMARY_REALM, imported.id, { active: false });
      for (const r of REGIONS) await gatewayAdmin(r, '/jwks/refresh', 'POST');
      for (const r of REGIONS) {
        expect((await api(r, oldToken)).status, r).toBe(200);
        expect((await api(r, newToken)).status, r).toBe(200);
      }

      // Old key disabled: gone from JWKS. The gateway keeps the old keys until it refreshes.
      await admin.setProviderState(PRIMARY_REALM, imported.id, { enabled: false });
      expect((await api('eu-west', oldToken)).status).toBe(200);
      for (const r of REGIONS) await gatewayAdmin(r, '/jwks/refresh', 'POST');
      for (const r of REGIONS) {
        unauthorized(await api(r, oldToken), "Jwks doesn't have key to match kid or alg from Jwt");
        expect((await api(r, newToken)).status, r).toBe(200);
      }
    } finally {
      // Back to the imported baseline for whatever runs next.
      await admin.recreateRealm(PRIMARY_REALM, renderRealms(cfg)[PRIMARY_REALM], secrets.env);
      for (const r of REGIONS) await gatewayAdmin(r, '/jwks/refresh', 'POST');
    }
    expect((await api('us-east', await token('admin-portal', user.demo))).status).toBe(200);
  });

  // ── processes ──────────────────────────────────────────────────────────────
  it('a second lab:up changes nothing', async () => {
    const r = await labCli(['up', '--target', 'local', '--json'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    const again = JSON.parse(r.stdout) as LocalState & { started: string[]; kept: string[] };
    expect(again.started).toEqual([]);
    expect(again.kept.sort()).toEqual(Object.keys(state.processes).sort());
    for (const [name, p] of Object.entries(state.processes)) expect(again.processes[name]?.pid, name).toBe(p.pid);
  });

  it('after a crash, lab:up restarts only what died', async () => {
    const victims = ['backend', 'gateway-eu-west'];
    for (const v of victims) process.kill(-state.processes[v]!.pid, 'SIGKILL');
    const r = await labCli(['up', '--target', 'local', '--json'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    const after = JSON.parse(r.stdout) as LocalState & { started: string[] };
    expect(after.started.sort()).toEqual(victims.sort());
    expect(after.processes.keycloak!.pid).toBe(state.processes.keycloak!.pid);
    for (const v of victims) expect(after.processes[v]!.pid).not.toBe(state.processes[v]!.pid);
    expect((await api('eu-west', await token('admin-portal', user.demo))).status).toBe(200);
    state = after;
  });

  it('lab:down leaves no process, port or per-lab file behind; lab:up brings it all back', async () => {
    const pids = Object.values(state.processes).map((p) => p.pid);
    try {
      const down = await labCli(['down', '--target', 'local'], env);
      expect(down.exitCode, down.stderr).toBe(0);
      expect(pids.filter(running)).toEqual([]);
      expect(straysOf(localLayout(env).root)).toEqual([]);
      const ports = [cfg.keycloakPort, cfg.keycloakPort + 1, ...REGIONS.flatMap((r) => [cfg.ports[r].https, cfg.ports[r].http])];
      for (const p of ports) expect(await portFree(p), `port ${p}`).toBe(true);
      const layout = localLayout(env);
      for (const p of [layout.keycloakHome, layout.pids, layout.tls, layout.stateFile]) expect(existsSync(p), p).toBe(false);
      // Secrets and saved tokens die with the lab; the next up makes new ones.
      for (const n of ['secrets', 'tokens']) expect(existsSync(join(env.LAB_STATE_DIR!, n)), n).toBe(false);
      expect(readdirSync(layout.root).filter((n) => n.endsWith('.sock'))).toEqual([]);
      const again = await labCli(['down', '--target', 'local'], env);
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toContain('nothing was running');
    } finally {
      // Bring it back for the test files that run after this one, whatever happened above.
      const up = await labCli(['up', '--target', 'local', '--json'], env);
      expect(up.exitCode, up.stderr).toBe(0);
      state = JSON.parse(up.stdout) as LocalState;
      secrets = readSecrets(env)!;
      await trustCurrentCert();
    }
    expect((await api('us-east', await token('admin-portal', user.demo))).status).toBe(200);
  });
});
