// Realms back to their files through the admin API: delete and re-create,
// because --import-realm never updates an existing realm. This drops every
// key provider, mapper, user or session a lab or a break added.
import { REALMS, type LabConfig, type RealmName } from '../core/config.js';
import { LabError } from '../core/errors.js';
import { readSecrets } from '../core/secrets.js';
import { LabAdmin } from '../keycloak/admin.js';
import { renderRealms } from '../manifests/index.js';

export async function recreateRealms(cfg: LabConfig, realms: readonly RealmName[] = REALMS): Promise<string[]> {
  const secrets = readSecrets();
  if (!secrets) throw new LabError('no lab secrets', 'the realms resolve their ${LAB_*} placeholders from them', `npm run lab:up -- --target ${cfg.target}`);
  const docs = renderRealms(cfg);
  const admin = await LabAdmin.connect(cfg, secrets);
  // Both realms at once: Keycloak handles them independently.
  await Promise.all(
    realms.map(async (realm) => {
      const doc = docs[realm];
      if (!doc) throw new LabError(`no realm file for ${realm}`, 'realms/<realm>.json is missing', 'git checkout realms/');
      await admin.recreateRealm(realm, doc, secrets.env);
    }),
  );
  return [...realms];
}
