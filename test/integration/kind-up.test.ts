// `lab:up --target kind` against the fake toolchain: the whole plan runs,
// regions side by side, images pulled once, secrets never on a command line,
// the gateways answer 200/403 on the mapped host ports, and a second `up`
// changes nothing. (No Docker here: this is the fake toolchain, not kind.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGIONS, makeConfig, type LabConfig } from '../../scripts/core/config.js';
import { IMAGES, imagesFor } from '../../scripts/targets/kind/images.js';
import { callLine, httpsGet, isMutating, makeFakeLab, pickTestOffset, type FakeLab } from '../fake-toolchain/index.js';

let lab: FakeLab;
let cfg: LabConfig;

beforeAll(async () => {
  const offset = await pickTestOffset();
  cfg = makeConfig({ target: 'kind', env: { LAB_PORT_OFFSET: String(offset) } });
  lab = makeFakeLab({ offset });
});

afterAll(async () => {
  if (!lab) return;
  await lab.lab(['down', '--target', 'kind']);
  lab.cleanup();
});

const ctx = (r: string) => `kind-bookstore-platform-${r}`;

describe('kind up (fake toolchain)', () => {
  it('builds three clusters, Istio in order, Keycloak in us-east, and the gateways answer', async () => {
    // Slow creates (as real ones are) make the overlap below meaningful.
    const r = await lab.lab(['up', '--target', 'kind'], { FAKE_SLOW_ON: 'kind create cluster', FAKE_SLOW_MS: '1500' });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('0 failed');

    const state = lab.state();
    expect(Object.keys(state.clusters).sort()).toEqual(REGIONS.map((x) => `bookstore-platform-${x}`).sort());
    for (const c of Object.values(state.clusters)) expect(c.status).toBe('ready');

    const calls = lab.calls();
    // Istio releases per cluster in the documented order.
    for (const region of REGIONS) {
      const order = calls
        .filter((c) => c.tool === 'helm' && c.args[0] === 'upgrade' && c.args.includes(ctx(region)))
        .map((c) => c.args[2]);
      expect(order.filter((n) => n !== 'keycloak')).toEqual(['istio-base', 'istiod', 'istio-cni', 'ztunnel', 'istio-ingressgateway']);
    }
    // Clusters were created concurrently: all three create calls overlap in time.
    const creates = calls.filter((c) => c.tool === 'kind' && c.args[0] === 'create');
    expect(creates).toHaveLength(3);
    expect(Math.max(...creates.map((c) => c.t))).toBeLessThan(Math.min(...creates.map((c) => c.end!)));
    // Each image pulled once on the host, loaded into each cluster that runs it.
    const pulls = calls.filter((c) => c.tool === 'docker' && c.args[0] === 'pull').map((c) => c.args[1]);
    expect(pulls.sort()).toEqual(IMAGES.map((i) => i.ref).sort());
    for (const region of REGIONS) {
      expect(state.clusters[`bookstore-platform-${region}`]!.images.sort()).toEqual(imagesFor(region).map((i) => i.ref).sort());
    }
  });

  it('keeps every generated secret off command lines and out of ConfigMaps', () => {
    const secrets = JSON.parse(readFileSync(join(lab.labState, 'secrets', 'secrets.json'), 'utf8')) as {
      keycloakAdmin: { password: string };
      env: Record<string, string>;
    };
    const values = [secrets.keycloakAdmin.password, ...Object.values(secrets.env)];
    expect(values.length).toBeGreaterThan(2);
    for (const c of lab.calls()) for (const v of values) expect(callLine(c).includes(v), callLine(c)).toBe(false);
    const us = lab.state().clusters['bookstore-platform-us-east']!;
    for (const o of Object.values(us.objects).filter((x) => x.kind === 'ConfigMap')) {
      const text = JSON.stringify(o);
      for (const v of values) expect(text.includes(v)).toBe(false);
    }
    const realms = Object.values(us.objects).find((o) => o.kind === 'Secret' && o.metadata.name === 'keycloak-realms') as unknown as { data: Record<string, string> };
    expect(Object.keys(realms.data).sort()).toEqual(['bookstore-platform.json', 'tenant-globex.json']);
    const admin = Object.values(us.objects).find((o) => o.metadata.name === 'keycloak-admin') as unknown as { data: Record<string, string> };
    expect(Buffer.from(admin.data['admin-password']!, 'base64').toString()).toBe(secrets.keycloakAdmin.password);
  });

  it('configures Keycloak with the bitnamilegacy images, the pinned issuer and the realm import', () => {
    const kc = lab.state().clusters['bookstore-platform-us-east']!.releases['keycloak/keycloak']!;
    expect(kc.chart).toBe('keycloak-21.4.4');
    expect(kc.config).toMatchObject({
      image: { repository: 'bitnamilegacy/keycloak' },
      postgresql: { image: { repository: 'bitnamilegacy/postgresql' } },
      extraStartupArgs: '--import-realm',
      extraEnvVars: [{ name: 'KC_HOSTNAME_URL', value: `http://localhost:${cfg.keycloakPort}` }],
      extraEnvVarsSecret: 'keycloak-realm-env',
      auth: { existingSecret: 'keycloak-admin' },
      extraVolumeMounts: [{ mountPath: '/opt/bitnami/keycloak/data/import' }],
      service: { type: 'NodePort', nodePorts: { http: '30090' } },
    });
    for (const region of REGIONS) {
      const istiod = lab.state().clusters[`bookstore-platform-${region}`]!.releases['istio-system/istiod']!;
      expect(istiod.config).toMatchObject({ profile: 'ambient', pilot: { env: { PILOT_JWT_PUB_KEY_REFRESH_INTERVAL: '30s' } } });
    }
  });

  it('points eu-west and ap-south at the us-east node address on the kind network', () => {
    const state = lab.state();
    const ip = state.clusters['bookstore-platform-us-east']!.ip;
    for (const region of ['eu-west', 'ap-south']) {
      const ra = Object.values(state.clusters[`bookstore-platform-${region}`]!.objects).find((o) => o.kind === 'RequestAuthentication') as unknown as {
        spec: { jwtRules: Array<{ issuer: string; jwksUri: string }> };
      };
      expect(ra.spec.jwtRules[0]).toMatchObject({
        issuer: `http://localhost:${cfg.keycloakPort}/realms/bookstore-platform`,
        jwksUri: `http://${ip}:30090/realms/bookstore-platform/protocol/openid-connect/certs`,
      });
    }
  });

  it('serves /static/index.html 200 and /api/books without a token 403 on every region’s host port', async () => {
    const ca = join(lab.labState, 'kind', 'tls', 'tls.crt');
    for (const region of REGIONS) {
      const base = `https://localhost:${cfg.ports[region].https}`;
      expect((await httpsGet(`${base}/static/index.html`, ca)).status).toBe(200);
      expect(await httpsGet(`${base}/api/books`, ca)).toEqual({ status: 403, body: 'RBAC: access denied' });
    }
  });

  it('a second up makes no mutating call', async () => {
    const before = lab.calls().length;
    const r = await lab.lab(['up', '--target', 'kind']);
    expect(r.code, r.stderr).toBe(0);
    const again = lab.calls().slice(before);
    expect(again.length).toBeGreaterThan(0);
    expect(again.filter(isMutating).map(callLine)).toEqual([]);
    expect(r.stdout).toMatch(/SKIPPED: exists and is healthy/);
    expect(r.stdout).toMatch(/SKIPPED: deployed at 1\.23\.2, values unchanged/);
  });

  it('lab:status --json reports every part healthy', async () => {
    const r = await lab.lab(['status', '--target', 'kind', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { healthy: boolean; regions: Array<{ region: string; istio: unknown[]; keycloak: Array<{ name: string; detail: string }>; urls: Array<{ name: string; healthy: boolean; url: string }> }> };
    expect(s.healthy).toBe(true);
    expect(s.regions.map((x) => x.region)).toEqual([...REGIONS]);
    const us = s.regions[0]!;
    expect(us.istio).toHaveLength(5);
    expect(us.keycloak.find((k) => k.name === 'issuer pinned')!.detail).toBe(`http://localhost:${cfg.keycloakPort}/realms/bookstore-platform`);
    expect(us.urls.map((u) => u.name)).toContain('keycloak admin console');
  });

  it('upgrades a release whose values drifted, and touches nothing else', async () => {
    // Someone removed the JWKS refresh override in eu-west by hand.
    const file = join(lab.fakeState, 'state.json');
    const s = JSON.parse(readFileSync(file, 'utf8'));
    delete s.clusters['bookstore-platform-eu-west'].releases['istio-system/istiod'].config.pilot.env;
    (await import('node:fs')).writeFileSync(file, JSON.stringify(s));
    const before = lab.calls().length;
    const r = await lab.lab(['up', '--target', 'kind']);
    expect(r.code, r.stderr).toBe(0);
    const mutations = lab.calls().slice(before).filter(isMutating).map((c) => `${c.args[0]} ${c.args[2]} ${c.args[c.args.indexOf('--kube-context') + 1]}`);
    expect(mutations).toEqual([`upgrade istiod ${ctx('eu-west')}`]);
  });

  it('after a Docker restart, starts the stopped node instead of recreating it, and re-points the other regions', async () => {
    const oldIp = lab.state().clusters['bookstore-platform-us-east']!.ip;
    expect(await lab.tool('docker', ['stop', 'bookstore-platform-us-east-control-plane'])).toBe(0);
    const before = lab.calls().length;
    const r = await lab.lab(['up', '--target', 'kind']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const newIp = lab.state().clusters['bookstore-platform-us-east']!.ip;
    expect(newIp).not.toBe(oldIp);
    const mutations = lab.calls().slice(before).filter(isMutating).map(callLine);
    expect(mutations[0]).toBe('docker start bookstore-platform-us-east-control-plane');
    // The two regions re-apply concurrently, in either order.
    expect(mutations.slice(1).sort()).toEqual(
      ['ap-south', 'eu-west'].map((x) => expect.stringMatching(new RegExp(`^kubectl apply --context ${ctx(x)} -f .*/${x}/manifests\\.yaml$`))),
    );
    const ra = Object.values(lab.state().clusters['bookstore-platform-eu-west']!.objects).find((o) => o.kind === 'RequestAuthentication') as unknown as {
      spec: { jwtRules: Array<{ jwksUri: string }> };
    };
    expect(ra.spec.jwtRules[0]!.jwksUri).toContain(`http://${newIp}:30090/`);
  });
});
