// scripts/keycloak/admin.ts against the real Keycloak of the shared test lab:
// key providers, the key-rotation moves the labs rely on, and re-creating a
// realm from its import file with the lab's secrets.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { request } from 'undici';
import { JWKS_PATH, PRIMARY_REALM } from '../../scripts/core/config.js';
import { readSecrets, type LabSecrets } from '../../scripts/core/secrets.js';
import { LabAdmin, baselineProviderNames } from '../../scripts/keycloak/admin.js';
import { keycloakBackchannel } from '../../scripts/keycloak/ready.js';
import { decodeJwt, passwordGrant } from '../../scripts/keycloak/tokens.js';
import { renderRealms } from '../../scripts/manifests/index.js';

const lab = inject('localLab');
const realm = PRIMARY_REALM;

describe.skipIf(!lab)('Keycloak admin wrapper (real Keycloak 24.0.5)', () => {
  let admin: LabAdmin;
  let secrets: LabSecrets;
  const doc = () => renderRealms(lab!.cfg)[realm];

  const token = async () =>
    (
      await passwordGrant({
        keycloakUrl: keycloakBackchannel(lab!.cfg),
        realm,
        clientId: 'admin-portal',
        clientSecret: secrets.env.LAB_ADMIN_PORTAL_SECRET,
        username: 'demo-user',
        password: 'demo-password',
      })
    ).accessToken;
  const kidOf = (jwt: string) => String(decodeJwt(jwt).header.kid);
  const jwksKids = async () => {
    const res = await request(`${keycloakBackchannel(lab!.cfg)}${JWKS_PATH(realm)}`);
    const body = (await res.body.json()) as { keys: Array<{ kid: string; use?: string }> };
    return body.keys.filter((k) => k.use !== 'enc').map((k) => k.kid);
  };

  beforeAll(async () => {
    secrets = readSecrets({ LAB_STATE_DIR: lab!.stateDir })!;
    admin = await LabAdmin.connect(lab!.cfg, secrets);
  });
  afterAll(async () => {
    // Leave the realm exactly as imported for the next test file.
    if (admin) await admin.recreateRealm(realm, doc(), secrets.env);
  });

  it('lists the key providers the realm file declares, and their keys', async () => {
    const providers = await admin.listKeyProviders(realm);
    expect(providers.map((p) => p.name).sort()).toEqual(baselineProviderNames(doc()).sort());
    const keys = await admin.listKeys(realm);
    const imported = providers.find((p) => p.name === 'lab-only-imported-rsa')!;
    const rs = keys.keys.find((k) => k.algorithm === 'RS256')!;
    expect(rs.providerId).toBe(imported.id);
    expect(keys.active.RS256).toBe(rs.kid);
    // Tokens are signed by the imported key, whose kid JWKS publishes.
    expect(kidOf(await token())).toBe(rs.kid);
    expect(await jwksKids()).toEqual([rs.kid]);
  });

  it('rotates: a higher-priority rsa-generated key signs new tokens; passive keeps verifying; disabled leaves JWKS', async () => {
    const oldKid = (await admin.listKeys(realm)).active.RS256!;
    const added = await admin.addRsaGeneratedProvider(realm, { priority: 200 });
    expect(added).toMatchObject({ providerId: 'rsa-generated', priority: 200, active: true, enabled: true });
    const newKid = (await admin.listKeys(realm)).active.RS256!;
    expect(newKid).not.toBe(oldKid);
    expect(kidOf(await token())).toBe(newKid);
    expect((await jwksKids()).sort()).toEqual([newKid, oldKid].sort());

    const imported = (await admin.listKeyProviders(realm)).find((p) => p.name === 'lab-only-imported-rsa')!;
    const passive = await admin.setProviderState(realm, imported.id, { active: false });
    expect(passive).toMatchObject({ active: false, enabled: true, priority: 100 });
    expect((await admin.listKeys(realm)).keys.find((k) => k.kid === oldKid)?.status).toBe('PASSIVE');
    expect(await jwksKids()).toContain(oldKid);

    const disabled = await admin.setProviderState(realm, imported.id, { enabled: false });
    expect(disabled.enabled).toBe(false);
    expect(await jwksKids()).toEqual([newKid]);
  });

  it('deletes only the providers the realm file does not declare', async () => {
    const deleted = await admin.deleteNonBaselineProviders(realm, baselineProviderNames(doc()));
    expect(deleted.map((p) => p.name)).toEqual(['rsa-rotated-200']);
    expect((await admin.listKeyProviders(realm)).map((p) => p.name).sort()).toEqual(baselineProviderNames(doc()).sort());
  });

  it('re-creates the realm from its import file with ${LAB_*} resolved from the lab secrets', async () => {
    await admin.recreateRealm(realm, doc(), secrets.env);
    const providers = await admin.listKeyProviders(realm);
    expect(providers.every((p) => p.active && p.enabled)).toBe(true);
    // The client secret and the signing key came from the placeholders: the
    // grant works with the lab secret and tokens carry the imported key's kid again.
    const kid = (await admin.listKeys(realm)).active.RS256!;
    expect(kidOf(await token())).toBe(kid);
    expect(await jwksKids()).toEqual([kid]);
  });
});
