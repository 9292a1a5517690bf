// The kind target's gateways, seen the way an operator would: the policies
// from the API server, the keys from the gateway Envoy's own config dump
// (what istiod inlined), changes through `kubectl apply` (so istiod's
// validating webhook has its say).
import { JWKS_REFRESH_SECONDS, KEYCLOAK_REGION, clusterName, kubeContext, type LabConfig, type Region } from '../../core/config.js';
import { run } from '../../core/proc.js';
import { FAKE_JWKS } from '../../engine/index.js';
import type { Jwks } from '../../engine/types.js';
import { renderManifests, toYaml, type KubeDoc } from '../../manifests/index.js';
import { inspectContainer } from '../../tools/docker.js';
import { controlPlaneContainer } from '../../tools/kind.js';
import { securityDocs } from '../break/patches.js';
import { jwtRulesOf } from '../steps/policy-facts.js';
import type { GatewayView } from '../services.js';

type Obj = Record<string, unknown>;

export async function kubectl(region: Region, args: string[], input?: string) {
  return run(['kubectl', '--context', kubeContext(region), ...args], { reject: false, input, timeoutMs: 60_000 });
}

/** Keep what a person wrote: drop status and server-filled metadata. */
export function cleanObject(o: Obj): KubeDoc {
  const meta = (o.metadata ?? {}) as Obj;
  const annotations = { ...((meta.annotations as Record<string, string>) ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return {
    apiVersion: String(o.apiVersion),
    kind: String(o.kind),
    metadata: {
      name: String(meta.name),
      namespace: meta.namespace as string | undefined,
      ...(meta.labels ? { labels: meta.labels as Record<string, string> } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: o.spec,
  };
}

/** Every jwt_authn provider in an Envoy config dump: issuer -> inline JWKS string. */
export function inlineJwksFromConfigDump(dump: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Obj;
    if (o.providers && typeof o.providers === 'object') {
      for (const p of Object.values(o.providers as Record<string, Obj>)) {
        const inline = ((p.local_jwks as Obj | undefined)?.inline_string as string | undefined) ?? undefined;
        if (typeof p.issuer === 'string' && inline !== undefined) out.set(p.issuer, inline);
      }
    }
    Object.values(o).forEach(walk);
  };
  walk(dump);
  return out;
}

const isFake = (j: Jwks) => j.keys.length === 1 && j.keys[0]!.n === FAKE_JWKS.keys[0]!.n;

async function nodeAddress(region: Region): Promise<string | undefined> {
  if (region === KEYCLOAK_REGION) return undefined;
  return (await inspectContainer(controlPlaneContainer(clusterName(KEYCLOAK_REGION))))?.kindNetworkIp;
}

export async function kindGatewayView(cfg: LabConfig): Promise<GatewayView> {
  // Node addresses change when Docker restarts: read them once per command.
  const addr = new Map<Region, string | undefined>();
  await Promise.all(cfg.regions.map(async (r) => addr.set(r, await nodeAddress(r).catch(() => undefined))));
  const view: GatewayView = {
    async policies(region) {
      const r = await kubectl(region, ['get', 'requestauthentications.security.istio.io,authorizationpolicies.security.istio.io', '-A', '-o', 'json']);
      if (r.exitCode !== 0) throw new Error(`kubectl get policies in ${kubeContext(region)}: ${r.stderr.trim()}`);
      const items = ((JSON.parse(r.stdout) as { items?: Obj[] }).items ?? []).map(cleanObject);
      return { value: items, source: `kubectl get in ${kubeContext(region)} (what istiod is given)` };
    },
    async heldJwks(region, jwksUri) {
      const source = `the ${region} istio-ingressgateway's Envoy config dump (the keys istiod inlined)`;
      const { value: docs } = await view.policies(region);
      const issuer = jwtRulesOf(docs).find((r) => r.jwksUri === jwksUri || `${r.issuer?.replace(/\/$/, '')}/.well-known/openid-configuration` === jwksUri)?.issuer;
      const r = await kubectl(region, ['-n', 'istio-system', 'exec', 'deploy/istio-ingressgateway', '--', 'pilot-agent', 'request', 'GET', 'config_dump']);
      if (r.exitCode !== 0) return { value: { error: `config_dump failed: ${r.stderr.trim()}` }, source };
      const inline = issuer ? inlineJwksFromConfigDump(JSON.parse(r.stdout)).get(issuer) : undefined;
      if (inline === undefined) return { value: { error: `no jwt_authn provider for ${issuer ?? jwksUri} in the gateway's config` }, source };
      const jwks = JSON.parse(inline) as Jwks;
      if (isFake(jwks)) return { value: { error: 'istiod could not fetch this jwksUri and inlined its fake key' }, source };
      return { value: { jwks }, source };
    },
    async jwksRefreshSeconds(region) {
      const r = await kubectl(region, ['-n', 'istio-system', 'get', 'deploy', 'istiod', '-o', 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="PILOT_JWT_PUB_KEY_REFRESH_INTERVAL")].value}']);
      const m = /^(\d+)(s|m)$/.exec(r.stdout.trim());
      if (!m) return r.exitCode === 0 && !r.stdout.trim() ? 20 * 60 : JWKS_REFRESH_SECONDS;
      return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
    },
    async refreshJwksNow() {
      // istiod keeps the keys; nobody can make it re-fetch early short of restarting it.
      return false;
    },
    async applyPolicies(region, docs, opts) {
      const sec = securityDocs(docs);
      const lines: string[] = [];
      const r = await kubectl(region, ['apply', '-f', '-'], toYaml(sec));
      lines.push(`${r.stdout}${r.stderr}`.trim());
      if (r.exitCode !== 0) return { applied: false, output: lines.join('\n') };
      for (const d of opts?.remove ?? []) {
        const del = await kubectl(region, ['delete', `${d.kind.toLowerCase()}.security.istio.io`, d.metadata.name, '-n', d.metadata.namespace ?? 'default', '--ignore-not-found']);
        lines.push(`${del.stdout}${del.stderr}`.trim());
        if (del.exitCode !== 0) return { applied: false, output: lines.join('\n') };
      }
      return { applied: true, output: lines.filter(Boolean).join('\n') };
    },
    baselinePolicies(region) {
      return securityDocs(renderManifests(cfg, region, { keycloakNodeAddress: addr.get(region) }));
    },
  };
  return view;
}
