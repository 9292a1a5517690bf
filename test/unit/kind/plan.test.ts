// The kind plan: which commands run, in which lanes and order. The dry-run
// prints exactly these steps and the executor runs them, so this is also a
// test of what `lab:up --target kind` does.
import { describe, expect, it } from 'vitest';
import { REGIONS, makeConfig, type Region } from '../../../scripts/core/config.js';
import { planSteps } from '../../../scripts/targets/kind/planner.js';
import { makeRun } from '../../../scripts/targets/kind/run-context.js';
import { NODE_IP_PLACEHOLDER, planOf, type PlanEntry } from '../../../scripts/targets/kind/step.js';
import { IMAGES, imagesFor } from '../../../scripts/targets/kind/images.js';

const cfg = makeConfig({ target: 'kind', env: {} });
const plan = (regions: Region[] = [...REGIONS], noPreload = false) => {
  const c = { ...cfg, regions };
  return planOf(planSteps(c, { noPreload }), makeRun(c, { dryRun: true, env: { LAB_STATE_DIR: '/tmp/lab-plan-test' } }));
};
const line = (p: PlanEntry) => p.command.join(' ');
const helmRelease = (p: PlanEntry) => (p.command[0] === 'helm' && p.command[1] === 'upgrade' ? p.command[3] : undefined);

describe('kind plan', () => {
  const all = plan();

  it('creates the three clusters with their generated configs', () => {
    const creates = all.filter((p) => p.command.slice(0, 3).join(' ') === 'kind create cluster');
    expect(creates.map((p) => p.region)).toEqual(['us-east', 'eu-west', 'ap-south']);
    for (const c of creates) {
      expect(line(c)).toContain(`--name bookstore-platform-${c.region}`);
      expect(line(c)).toContain(`--config /tmp/lab-plan-test/kind/${c.region}/kind-config.yaml`);
    }
  });

  it('installs Istio in order base → istiod → cni → ztunnel → gateway, pinned to 1.23.2, in every region', () => {
    for (const region of REGIONS) {
      const helm = all.filter((p) => p.region === region && helmRelease(p) && helmRelease(p) !== 'keycloak');
      expect(helm.map(helmRelease)).toEqual(['istio-base', 'istiod', 'istio-cni', 'ztunnel', 'istio-ingressgateway']);
      for (const h of helm) {
        expect(h.command).toContain('--version');
        expect(h.command[h.command.indexOf('--version') + 1]).toBe('1.23.2');
        expect(h.command[h.command.indexOf('--repo') + 1]).toBe('https://istio-release.storage.googleapis.com/charts');
        expect(h.command[h.command.indexOf('--kube-context') + 1]).toBe(`kind-bookstore-platform-${region}`);
      }
      const istiod = helm.find((h) => helmRelease(h) === 'istiod')!;
      expect(line(istiod)).toContain('--set profile=ambient');
      expect(line(helm.find((h) => helmRelease(h) === 'istio-cni')!)).toContain('--set profile=ambient');
      expect(line(helm.find((h) => helmRelease(h) === 'istio-ingressgateway')!)).toMatch(/ gateway --repo .* --namespace istio-system /);
    }
  });

  it('waits on rollouts (never on a LoadBalancer) after each Istio part', () => {
    const usEast = all.filter((p) => p.region === 'us-east').map(line);
    const at = (s: string) => usEast.findIndex((l) => l.includes(s));
    expect(at('rollout status deployment/istiod')).toBeGreaterThan(at('upgrade --install istiod'));
    expect(at('upgrade --install istio-cni')).toBeGreaterThan(at('rollout status deployment/istiod'));
    expect(at('rollout status deployment/istio-ingressgateway')).toBeGreaterThan(at('upgrade --install istio-ingressgateway'));
    expect(all.some((p) => line(p).includes('--wait') && p.command[0] === 'helm')).toBe(false);
    expect(all.filter((p) => line(p).includes('rollout status')).every((p) => /--timeout=\d+s/.test(line(p)))).toBe(true);
  });

  it('installs Keycloak 21.4.4 from OCI in us-east only, with the bitnamilegacy images', () => {
    const kc = all.filter((p) => helmRelease(p) === 'keycloak');
    expect(kc).toHaveLength(1);
    expect(kc[0]!.region).toBe('us-east');
    expect(kc[0]!.command.slice(0, 5)).toEqual(['helm', 'upgrade', '--install', 'keycloak', 'oci://registry-1.docker.io/bitnamicharts/keycloak']);
    expect(line(kc[0]!)).toContain('--version 21.4.4');
    expect(line(kc[0]!)).toContain('--set image.repository=bitnamilegacy/keycloak');
    expect(line(kc[0]!)).toContain('--set postgresql.image.repository=bitnamilegacy/postgresql');
    expect(line(kc[0]!)).not.toContain('helm repo add');
  });

  it('pulls each image once on the host and loads it into each cluster that runs it', () => {
    const pulls = all.filter((p) => p.command[0] === 'docker' && p.command[1] === 'pull');
    expect(pulls.map((p) => p.command[2])).toEqual(IMAGES.map((i) => i.ref));
    expect(pulls.every((p) => p.region === null)).toBe(true);
    for (const region of REGIONS) {
      const loads = all.filter((p) => p.command.slice(0, 3).join(' ') === 'kind load docker-image' && line(p).endsWith(`--name bookstore-platform-${region}`));
      expect(loads.map((p) => p.command[3]).sort()).toEqual(imagesFor(region).map((i) => i.ref).sort());
    }
    expect(imagesFor('eu-west').some((i) => i.ref.includes('keycloak'))).toBe(false);
  });

  it('--no-preload drops every pull and load, nothing else', () => {
    const lean = plan([...REGIONS], true);
    expect(lean.some((p) => /docker pull|kind load/.test(line(p)))).toBe(false);
    expect(lean.length).toBe(all.filter((p) => !/docker pull|kind load/.test(line(p))).length);
  });

  it('applies the TLS Secret from stdin and the manifests from the state dir, then waits for 200 and 403', () => {
    for (const region of REGIONS) {
      const steps = all.filter((p) => p.region === region).map(line);
      const tls = steps.findIndex((l) => l.startsWith('kubectl create secret tls bookstore-gateway-tls') && l.includes('--dry-run=client'));
      expect(steps[tls + 1]).toBe(`kubectl apply --context kind-bookstore-platform-${region} --namespace istio-system -f -`);
      const apply = steps.indexOf(`kubectl apply --context kind-bookstore-platform-${region} -f /tmp/lab-plan-test/kind/${region}/manifests.yaml`);
      expect(apply).toBeGreaterThan(tls);
      const waits = steps.filter((l) => l.startsWith('curl '));
      const port = cfg.ports[region].https;
      expect(waits).toHaveLength(2);
      expect(waits[0]).toContain(`https://localhost:${port}/static/index.html`);
      expect(waits[1]).toContain(`https://localhost:${port}/api/books`);
      expect(waits.every((w) => w.includes('--cacert /tmp/lab-plan-test/kind/tls/tls.crt'))).toBe(true);
    }
  });

  it('shows the us-east node address as a placeholder in the other regions (known only at run time)', () => {
    const applies = all.filter((p) => p.title.startsWith('apply policies'));
    expect(applies.find((p) => p.region === 'us-east')!.title).toContain('http://keycloak.keycloak.svc.cluster.local/');
    for (const r of ['eu-west', 'ap-south']) {
      expect(applies.find((p) => p.region === r)!.title).toContain(`http://${NODE_IP_PLACEHOLDER}:30090/realms/bookstore-platform/`);
    }
    expect(all.find((p) => line(p) === 'docker inspect --type container bookstore-platform-us-east-control-plane')?.region).toBe('us-east');
  });

  it('puts no secret or long --set list on any command line', () => {
    for (const p of all) {
      expect(line(p)).not.toMatch(/password|LAB_[A-Z_]+=|--from-literal/i);
      expect(p.command.filter((a) => a === '--set').length).toBeLessThanOrEqual(2);
    }
  });

  it('without us-east, reads the existing us-east node address on the host lane', () => {
    const eu = plan(['eu-west']);
    expect(eu.some((p) => helmRelease(p) === 'keycloak')).toBe(false);
    expect(eu.find((p) => p.command[0] === 'docker' && p.command[1] === 'inspect')?.region).toBeNull();
    expect(eu.filter((p) => p.command[1] === 'pull').map((p) => p.command[2])).toEqual(imagesFor('eu-west').map((i) => i.ref));
  });

  it('has unique step ids and only refers to steps that exist', () => {
    const steps = planSteps(cfg, { noPreload: false });
    const ids = new Set(steps.map((s) => s.id));
    expect(ids.size).toBe(steps.length);
    for (const s of steps) for (const a of s.after ?? []) expect(ids.has(a), `${s.id} → ${a}`).toBe(true);
    // Lanes are ordered lists: a step never waits on a later step of its own lane.
    for (const s of steps) {
      for (const a of s.after ?? []) {
        const dep = steps.find((x) => x.id === a)!;
        if (dep.lane === s.lane) expect(steps.indexOf(dep)).toBeLessThan(steps.indexOf(s));
      }
    }
  });
});
