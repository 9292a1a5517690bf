// `lab:status --target kind`: per region the cluster, the Istio releases and
// their workloads, Keycloak (us-east), the policies the gateway enforces, and
// the URLs a learner uses, each with its health. Read-only.
import { existsSync } from 'node:fs';
import {
  KEYCLOAK_REGION,
  PRIMARY_REALM,
  clusterName,
  gatewayUrl,
  issuerFor,
  keycloakPublicUrl,
  kubeContext,
  type LabConfig,
  type Region,
} from '../../core/config.js';
import { LabError } from '../../core/errors.js';
import { info, printJson } from '../../core/log.js';
import { startDockerFix } from '../../preflight/docker.js';
import { dockerEngine } from '../../tools/docker.js';
import { run } from '../../core/proc.js';
import { renderManifests } from '../../manifests/index.js';
import { releaseState } from '../../tools/helm.js';
import { kindClusters } from '../../tools/kind.js';
import { getJson, nodesReady } from '../../tools/kubectl.js';
import type { TargetOptions } from '../types.js';
import { ISTIO_NAMESPACE } from './istio-values.js';
import { KEYCLOAK_NAMESPACE } from './keycloak.js';
import { kindPaths } from './paths.js';
import { istioReleases, keycloakRelease, type HelmRelease } from './releases.js';

export interface Health {
  name: string;
  healthy: boolean;
  detail: string;
  url?: string;
}

export interface RegionStatus {
  region: Region;
  cluster: Health;
  istio: Health[];
  keycloak: Health[];
  policies: Health[];
  urls: Health[];
}

interface Workload {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; numberReady?: number; desiredNumberScheduled?: number };
}

function workloadReady(w: Workload | undefined): { ready: boolean; detail: string } {
  if (!w) return { ready: false, detail: 'missing' };
  if (w.kind === 'DaemonSet') {
    const want = w.status?.desiredNumberScheduled ?? 0;
    const got = w.status?.numberReady ?? 0;
    return { ready: want > 0 && got >= want, detail: `${got}/${want} ready` };
  }
  const want = w.spec?.replicas ?? 1;
  const got = w.status?.readyReplicas ?? 0;
  return { ready: got >= want, detail: `${got}/${want} ready` };
}

async function releaseHealth(region: Region, r: HelmRelease, workloads: Workload[]): Promise<Health> {
  const state = await releaseState(r.release, r.namespace, kubeContext(region));
  if (!state) return { name: r.release, healthy: false, detail: 'not installed' };
  const parts = [`${state.status} ${state.chart}`];
  let healthy = state.status === 'deployed' && state.chart === r.chartLabel;
  for (const target of r.rollouts) {
    const [kind, name] = target.split('/');
    const w = workloads.find((x) => x.kind.toLowerCase() === kind && x.metadata.name === name);
    const ready = workloadReady(w);
    healthy &&= ready.ready;
    parts.push(`${target} ${ready.detail}`);
  }
  return { name: r.release, healthy, detail: parts.join(', ') };
}

/** HTTP status of a URL via curl (trusting the lab's certificate for https). */
async function httpStatus(url: string, cacert: string): Promise<{ code: number; body: string }> {
  const args = ['curl', '--silent', '--ipv4', '--max-time', '5', '--write-out', '\n%{http_code}'];
  if (url.startsWith('https:') && existsSync(cacert)) args.push('--cacert', cacert);
  const r = await run([...args, url], { reject: false });
  const lines = r.stdout.split('\n');
  return { code: Number(lines.pop()) || 0, body: lines.join('\n') };
}

async function urlHealth(name: string, url: string, want: number[], cacert: string): Promise<Health> {
  const { code } = await httpStatus(url, cacert);
  return { name, url, healthy: want.includes(code), detail: code ? `HTTP ${code}` : 'no answer' };
}

async function regionStatus(cfg: LabConfig, region: Region, clusters: string[]): Promise<RegionStatus> {
  const ctx = kubeContext(region);
  const name = clusterName(region);
  const cacert = kindPaths().tlsCert;
  const out: RegionStatus = { region, cluster: { name, healthy: false, detail: 'not created' }, istio: [], keycloak: [], policies: [], urls: [] };
  if (!clusters.includes(name)) return out;
  const nodes = await nodesReady(ctx);
  out.cluster = { name: `${name} (context ${ctx})`, healthy: nodes.ready, detail: nodes.detail };
  if (!nodes.ready) return out;

  const istioWorkloads = (await getJson<Workload>(ctx, ['deployments,daemonsets', '--namespace', ISTIO_NAMESPACE]))?.items ?? [];
  out.istio = await Promise.all(istioReleases().map((r) => releaseHealth(region, r, istioWorkloads)));

  if (region === KEYCLOAK_REGION) {
    const kcWorkloads = (await getJson<Workload>(ctx, ['statefulsets', '--namespace', KEYCLOAK_NAMESPACE]))?.items ?? [];
    out.keycloak.push(await releaseHealth(region, keycloakRelease(cfg, ''), kcWorkloads));
    const discovery = `${keycloakPublicUrl(cfg)}/realms/${PRIMARY_REALM}/.well-known/openid-configuration`;
    const d = await httpStatus(discovery, cacert);
    let issuer = '';
    try {
      issuer = (JSON.parse(d.body) as { issuer?: string }).issuer ?? '';
    } catch {
      /* not JSON: reported below */
    }
    const want = issuerFor(cfg, PRIMARY_REALM);
    out.keycloak.push({
      name: 'issuer pinned',
      url: discovery,
      healthy: issuer === want,
      detail: d.code === 200 ? (issuer === want ? issuer : `issuer is "${issuer}", tokens need "${want}"`) : d.code ? `HTTP ${d.code}` : 'no answer',
    });
  }

  const expected = renderManifests(cfg, region).filter((d) => d.kind === 'RequestAuthentication' || d.kind === 'AuthorizationPolicy');
  const live =
    (await getJson<{ kind: string; metadata: { name: string; namespace?: string } }>(ctx, [
      'requestauthentications.security.istio.io,authorizationpolicies.security.istio.io',
      '--all-namespaces',
    ]))?.items ?? [];
  out.policies = expected.map((d) => {
    const found = live.some((l) => l.kind === d.kind && l.metadata.name === d.metadata.name && l.metadata.namespace === d.metadata.namespace);
    return { name: `${d.kind} ${d.metadata.namespace}/${d.metadata.name}`, healthy: found, detail: found ? 'applied' : 'missing' };
  });

  const gw = gatewayUrl(cfg, region);
  out.urls.push(await urlHealth('static (public)', `${gw}/static/index.html`, [200], cacert));
  out.urls.push(await urlHealth('api without a token (403 expected)', `${gw}/api/books`, [403], cacert));
  if (region === KEYCLOAK_REGION) {
    out.urls.push(await urlHealth('keycloak', `${keycloakPublicUrl(cfg)}/realms/${PRIMARY_REALM}`, [200], cacert));
    out.urls.push(await urlHealth('keycloak admin console', `${keycloakPublicUrl(cfg)}/admin/`, [200, 302, 303], cacert));
  }
  return out;
}

export function allHealthy(s: RegionStatus): boolean {
  return [s.cluster, ...s.istio, ...s.keycloak, ...s.policies, ...s.urls].every((h) => h.healthy);
}

export async function status(cfg: LabConfig, opts: TargetOptions): Promise<number> {
  const { engine, error } = await dockerEngine();
  if (!engine) {
    throw new LabError('the Docker engine does not answer, so no kind cluster can be running', (error ?? '').split('\n')[0] ?? '', startDockerFix());
  }
  const clusters = await kindClusters();
  const regions = await Promise.all(cfg.regions.map((r) => regionStatus(cfg, r, clusters)));
  const ok = regions.every(allHealthy);
  if (opts.json) {
    printJson({ target: 'kind', healthy: ok, regions });
    return ok ? 0 : 1;
  }
  const mark = (h: Health) => (h.healthy ? '✔' : '✖');
  const line = (h: Health) => `    ${mark(h)} ${h.name}: ${h.detail}${h.url ? `  ${h.url}` : ''}`;
  for (const s of regions) {
    info(`${s.region}`);
    info(`  cluster\n${line(s.cluster)}`);
    if (s.istio.length) info(`  istio 1.23.2\n${s.istio.map(line).join('\n')}`);
    if (s.keycloak.length) info(`  keycloak\n${s.keycloak.map(line).join('\n')}`);
    if (s.policies.length) info(`  policies\n${s.policies.map(line).join('\n')}`);
    if (s.urls.length) info(`  urls\n${s.urls.map(line).join('\n')}`);
  }
  info(ok ? '\nall healthy' : '\nsomething is not healthy; `npm run lab:up -- --target kind` repairs what it can');
  return ok ? 0 : 1;
}
