// A safe rotation, as the tutorial's hands-on 7 does it: a new RSA key with
// the highest priority signs from now on; the keys it replaces become passive
// (still published, still verify old tokens, sign nothing new).
import { PRIMARY_REALM } from '../core/config.js';
import type { LabServices } from './services.js';

const RSA_SIGNING = ['rsa', 'rsa-generated'];

export async function rotateKey(lab: LabServices): Promise<string[]> {
  const admin = await lab.admin();
  const before = (await admin.listKeyProviders(PRIMARY_REALM)).filter((p) => RSA_SIGNING.includes(p.providerId));
  const top = Math.max(0, ...before.map((p) => Number(p.config.priority?.[0] ?? 0)));
  const name = `lab-tutorial-rotation-${top + 100}`;
  await admin.addKeyProvider(PRIMARY_REALM, {
    name,
    providerId: 'rsa-generated',
    config: { priority: [String(top + 100)], active: ['true'], enabled: ['true'], algorithm: ['RS256'], keySize: ['2048'] },
  });
  const lines = [`added key provider ${name} (rsa-generated, priority ${top + 100}): it signs every new token`];
  for (const p of before) {
    if (p.config.active?.[0] === 'false') continue;
    await admin.updateKeyProvider(PRIMARY_REALM, p.id, { active: ['false'] });
    lines.push(`made ${p.name} passive: still in the JWKS, still verifies tokens it signed, signs nothing new`);
  }
  const interval = await lab.view.jwksRefreshSeconds(lab.cfg.regions[0]!);
  lines.push(`the gateways see the new key after their next JWKS refresh (every ${interval} s)`);
  return lines;
}
