// The local target's gateways, seen through their control channel: the
// policies and keys each one holds now, not what the files on disk say.
import type { LabConfig, Region } from '../../core/config.js';
import { renderManifests, type KubeDoc } from '../../manifests/index.js';
import { GatewayControl } from '../../gateway/control-client.js';
import { securityDocs } from '../break/patches.js';
import type { GatewayView } from '../services.js';

export function localGatewayView(cfg: LabConfig): GatewayView {
  const controls = new Map<Region, GatewayControl>();
  const control = (region: Region) => {
    let c = controls.get(region);
    if (!c) {
      c = new GatewayControl(region);
      controls.set(region, c);
    }
    return c;
  };
  return {
    async policies(region) {
      const p = await control(region).policies();
      return { value: p.docs, source: `the running ${region} gateway (${p.source}, loaded ${p.loadedAt})` };
    },
    async heldJwks(region, jwksUri) {
      const j = await control(region).jwks();
      const e = j.entries.find((x) => x.key === jwksUri);
      return {
        value: e ? { jwks: e.jwks, fetchedAt: e.lastSuccess, error: e.lastError } : { error: `the gateway holds nothing for ${jwksUri}` },
        source: `the running ${region} gateway's JWKS cache (refreshed every ${j.refreshSeconds} s)`,
      };
    },
    async jwksRefreshSeconds(region) {
      return (await control(region).jwks()).refreshSeconds;
    },
    async refreshJwksNow(region) {
      await control(region).refreshJwks();
      return true;
    },
    async applyPolicies(region, docs, opts) {
      const r = await control(region).setPolicies(securityDocs(docs), opts?.source ?? 'applied by lab tutorial');
      return { applied: r.applied, output: r.applied ? 'applied to the running gateway' : (r.errors ?? []).join('\n') };
    },
    baselinePolicies(region: Region): KubeDoc[] {
      return securityDocs(renderManifests(cfg, region));
    },
  };
}
