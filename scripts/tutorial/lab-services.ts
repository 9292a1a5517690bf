// The real LabServices: tokens from Keycloak (E's token source), requests to
// the region's gateway, Keycloak's admin API (D's wrapper) and the target's
// view of its gateways. One object per command run.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { PRIMARY_REALM, issuerFor, keycloakPublicUrl, type LabConfig, type RealmName, type Region } from '../core/config.js';
import { LabError } from '../core/errors.js';
import type { Jwks } from '../engine/types.js';
import { LabAdmin, KEY_PROVIDER_TYPE } from '../keycloak/admin.js';
import { keycloakBackchannel } from '../keycloak/ready.js';
import { fetchJwks } from '../keycloak/tokens.js';
import { keycloakAccess } from '../labs/keycloak-access.js';
import { TokenSource } from '../labs/token-source.js';
import type { ClientMapper, GatewayAnswer, GatewayView, KeyProviderInfo, LabServices, RealmAdmin } from './services.js';
import { kindGatewayView, kubectl } from './views/kind.js';
import { localGatewayView } from './views/local.js';

// The gateway's certificate is self-signed per lab, exactly like curl -k.
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

export async function gatewayRequest(cfg: LabConfig, region: Region, path: string, opts: { token?: string; method?: string } = {}): Promise<GatewayAnswer> {
  const port = cfg.ports[region].https;
  const url = `https://${cfg.host}:${port}${path}`;
  let res;
  try {
    res = await request(url, {
      method: (opts.method ?? 'GET') as 'GET',
      dispatcher: insecure,
      headers: { host: `localhost:${port}`, ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
  } catch (e) {
    throw new LabError(`the ${region} gateway did not answer at ${url}`, (e as Error).message, `npm run lab:status -- --target ${cfg.target}`);
  }
  const body = await res.body.text();
  let json: unknown;
  if (String(res.headers['content-type'] ?? '').includes('json')) {
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
  }
  return { status: res.statusCode, body, json };
}

function adminFacade(admin: LabAdmin): RealmAdmin {
  const clientUuid = async (realm: RealmName, clientId: string): Promise<string> => {
    const c = await admin.raw();
    const found = await c.clients.find({ realm, clientId });
    const id = found[0]?.id;
    if (!id) throw new LabError(`client ${clientId} not found in ${realm}`, 'the realm differs from its file', 'npm run lab:reset');
    return id;
  };
  return {
    async listKeyProviders(realm) {
      const c = await admin.raw();
      const parent = await admin.realmId(realm);
      const comps = await c.components.find({ realm, type: KEY_PROVIDER_TYPE, parent });
      return comps.map((x): KeyProviderInfo => ({ id: x.id ?? '', name: x.name ?? '', providerId: x.providerId ?? '', config: (x.config ?? {}) as Record<string, string[]> }));
    },
    async addKeyProvider(realm, p) {
      const c = await admin.raw();
      const parentId = await admin.realmId(realm);
      const { id } = await c.components.create({ realm, name: p.name, providerId: p.providerId, providerType: KEY_PROVIDER_TYPE, parentId, config: p.config });
      return id;
    },
    async updateKeyProvider(realm, id, config) {
      const c = await admin.raw();
      const current = await c.components.findOne({ realm, id });
      if (!current) throw new LabError(`key provider ${id} not found in ${realm}`, 'it may have been removed by a reset', 'npm run lab:reset');
      await c.components.update({ realm, id }, { ...current, config: { ...(current.config ?? {}), ...config } });
    },
    async deleteKeyProvider(realm, id) {
      await admin.deleteProvider(realm, id);
    },
    async listClientMappers(realm, clientId) {
      const c = await admin.raw();
      const id = await clientUuid(realm, clientId);
      const ms = await c.clients.listProtocolMappers({ realm, id });
      return ms.map((m): ClientMapper => ({ name: m.name ?? '', protocol: m.protocol, protocolMapper: m.protocolMapper ?? '', config: (m.config ?? {}) as Record<string, string> }));
    },
    async removeClientMapper(realm, clientId, mapperName) {
      const c = await admin.raw();
      const id = await clientUuid(realm, clientId);
      const m = (await c.clients.listProtocolMappers({ realm, id })).find((x) => x.name === mapperName);
      if (!m?.id) return false;
      await c.clients.delProtocolMapper({ realm, id, mapperId: m.id });
      return true;
    },
    async addClientMapper(realm, clientId, mapper) {
      const c = await admin.raw();
      const id = await clientUuid(realm, clientId);
      await c.clients.addProtocolMapper({ realm, id }, { protocol: 'openid-connect', ...mapper });
    },
  };
}

export async function makeLabServices(cfg: LabConfig): Promise<LabServices> {
  const kc = keycloakAccess(cfg);
  const tokens = new TokenSource(kc);
  const view: GatewayView = cfg.target === 'kind' ? await kindGatewayView(cfg) : localGatewayView(cfg);
  let admin: Promise<RealmAdmin> | undefined;
  return {
    cfg,
    keycloakUrl: keycloakPublicUrl(cfg),
    issuer: (realm) => issuerFor(cfg, realm),
    async token(p) {
      const set = await tokens.password({ realm: p.realm ?? PRIMARY_REALM, client: p.client, user: p.user }, true);
      return set.accessToken;
    },
    forgedToken: (exp) => tokens.resolve({ kind: 'forge', exp }),
    gateway: (region, path, opts) => gatewayRequest(cfg, region, path, opts),
    async discovery(realm) {
      const res = await request(`${keycloakBackchannel(cfg)}/realms/${realm}/.well-known/openid-configuration`, { headersTimeout: 10_000 });
      if (res.statusCode !== 200) throw new LabError(`realm ${realm} has no discovery document`, `Keycloak answered ${res.statusCode}`, 'npm run lab:reset');
      return (await res.body.json()) as { issuer: string; jwks_uri: string };
    },
    keycloakJwks: (realm) => fetchJwks(kc.url, realm) as Promise<Jwks>,
    view,
    admin() {
      admin ??= LabAdmin.connect(cfg).then(adminFacade);
      admin.catch(() => (admin = undefined));
      return admin;
    },
    kubectl: cfg.target === 'kind' ? async (region, args) => kubectl(region, args) : undefined,
    sleep: (ms) => sleep(ms),
  };
}
