// Waiting for a gateway to pick up a key: poll what the gateway HOLDS (not
// what Keycloak publishes) until the kid appears, bounded by one refresh
// interval plus a margin. Used by `tutorial wait-jwks` and the rotation steps.
import { PRIMARY_REALM, issuerFor, type Region } from '../core/config.js';
import { LabError } from '../core/errors.js';
import { jwtRulesOf } from './steps/policy-facts.js';
import type { LabServices } from './services.js';

export async function waitForGatewayKid(lab: LabServices, region: Region, kid: string, opts: { marginSeconds?: number; pollMs?: number } = {}): Promise<number> {
  const started = Date.now();
  const { value: docs } = await lab.view.policies(region);
  const issuer = issuerFor(lab.cfg, PRIMARY_REALM);
  const rule = jwtRulesOf(docs).find((r) => r.issuer === issuer) ?? jwtRulesOf(docs)[0];
  if (!rule?.jwksUri) throw new LabError(`no jwtRule with a jwksUri at the ${region} gateway`, 'nothing to wait for', 'npm run lab:reset');
  const interval = await lab.view.jwksRefreshSeconds(region);
  const deadline = started + (interval + (opts.marginSeconds ?? 15)) * 1000;
  for (;;) {
    const held = await lab.view.heldJwks(region, rule.jwksUri);
    if (held.value.jwks?.keys.some((k) => k.kid === kid)) return (Date.now() - started) / 1000;
    if (Date.now() > deadline) {
      throw new LabError(
        `the ${region} gateway still does not hold kid ${kid}`,
        `waited ${Math.round((Date.now() - started) / 1000)} s, longer than its ${interval} s refresh interval (${held.source})`,
        'npm run lab:status   (is the gateway running and Keycloak reachable from it?)',
      );
    }
    await lab.sleep(opts.pollMs ?? 500);
  }
}
