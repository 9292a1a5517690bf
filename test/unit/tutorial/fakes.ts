// A fake lab for unit tests: policies per region held in memory, validated
// with the engine's validatePolicy like the local gateway does, gateway
// answers decided by the engine from synthetic tokens. No network.
import { generateKeyPairSync, createSign, type KeyObject } from 'node:crypto';
import { issuerFor, jwksUriFor, makeConfig, PRIMARY_REALM, type LabConfig, type Region } from '../../../scripts/core/config.js';
import { decide, loadPolicies, validatePolicy } from '../../../scripts/engine/index.js';
import type { Jwks } from '../../../scripts/engine/types.js';
import { renderManifests, type KubeDoc } from '../../../scripts/manifests/index.js';
import type { ClientMapper, GatewayView, KeyProviderInfo, LabServices, RealmAdmin } from '../../../scripts/tutorial/services.js';

const SHIPPED_CFG = makeConfig({ target: 'local', env: {} });
export const ISS = issuerFor(SHIPPED_CFG, PRIMARY_REALM);
export const JWKS_URI = jwksUriFor(SHIPPED_CFG, 'us-east', PRIMARY_REALM);

/** The shipped policies, rendered as the local target renders them: tests follow the real files. */
export const BASELINE: KubeDoc[] = renderManifests(SHIPPED_CFG, 'us-east').filter(
  (d) => d.kind === 'RequestAuthentication' || d.kind === 'AuthorizationPolicy',
);

interface Key {
  priv: KeyObject;
  jwk: Record<string, unknown>;
  kid: string;
  provider: KeyProviderInfo;
}

export class FakeLab {
  readonly cfg: LabConfig = makeConfig({ target: 'local', regions: ['us-east', 'eu-west'], env: {} });
  policies = new Map<Region, KubeDoc[]>();
  /** What each gateway holds: undefined = fetch failed (fake key). */
  held = new Map<Region, Jwks | undefined>();
  keys: Key[] = [];
  mappers: ClientMapper[] = [{ name: 'audience admin-portal', protocolMapper: 'oidc-audience-mapper', config: { 'included.client.audience': 'admin-portal' } }];
  refreshes = 0;
  now = Math.floor(Date.now() / 1000);

  constructor() {
    for (const r of this.cfg.regions) this.policies.set(r, structuredClone(BASELINE));
    this.addKey('lab-only-imported-rsa', 100, 'rsa');
    this.refreshAll();
  }

  addKey(name: string, priority: number, providerId = 'rsa-generated'): string {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `kid-${name}`;
    const id = `id-${name}`;
    this.keys.push({ priv: privateKey, kid, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }, provider: { id, name, providerId, config: { priority: [String(priority)], active: ['true'], enabled: ['true'] } } });
    return id;
  }

  published(): Jwks {
    return { keys: this.keys.filter((k) => k.provider.config.enabled?.[0] !== 'false').map((k) => k.jwk) };
  }

  refreshAll(): void {
    this.refreshes++;
    for (const r of this.cfg.regions) {
      const uris = (this.policies.get(r) ?? []).flatMap((d) => ((d.spec as { jwtRules?: Array<{ jwksUri?: string }> })?.jwtRules ?? []).map((x) => x.jwksUri));
      this.held.set(r, uris.every((u) => u === JWKS_URI) ? this.published() : undefined);
    }
  }

  signingKey(): Key {
    return [...this.keys].filter((k) => k.provider.config.active?.[0] !== 'false').sort((a, b) => Number(b.provider.config.priority![0]) - Number(a.provider.config.priority![0]))[0]!;
  }

  token(claims: Record<string, unknown> = {}, key = this.signingKey()): string {
    const aud = this.mappers.some((m) => m.protocolMapper === 'oidc-audience-mapper') ? ['admin-portal', 'account'] : 'account';
    const payload = { iss: ISS, sub: 'user-1', aud, tenant: 'acme-books', iat: this.now, exp: this.now + 300, ...claims };
    const h = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid })).toString('base64url');
    const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${h}.${p}.${createSign('RSA-SHA256').update(`${h}.${p}`).sign(key.priv).toString('base64url')}`;
  }

  view(): GatewayView {
    return {
      policies: async (r) => ({ value: this.policies.get(r)!, source: 'fake gateway' }),
      heldJwks: async (r) => ({ value: { jwks: this.held.get(r), fetchedAt: Date.now() - 5000, error: this.held.get(r) ? undefined : 'connect ECONNREFUSED' }, source: 'fake gateway' }),
      jwksRefreshSeconds: async () => 30,
      refreshJwksNow: async () => {
        this.refreshAll();
        return true;
      },
      applyPolicies: async (r, docs) => {
        const errors = docs.flatMap((d) => validatePolicy(d));
        if (errors.length) return { applied: false, output: errors.join('\n') };
        this.policies.set(r, structuredClone(docs));
        return { applied: true, output: 'applied' };
      },
      baselinePolicies: () => structuredClone(BASELINE),
    };
  }

  admin(): RealmAdmin {
    return {
      listKeyProviders: async () => this.keys.map((k) => structuredClone(k.provider)),
      addKeyProvider: async (_realm, p) => {
        const id = this.addKey(p.name, Number(p.config.priority?.[0] ?? 0), p.providerId);
        this.keys.at(-1)!.provider.config = { ...p.config };
        return id;
      },
      updateKeyProvider: async (_r, id, config) => {
        const k = this.keys.find((x) => x.provider.id === id)!;
        k.provider.config = { ...k.provider.config, ...config };
      },
      deleteKeyProvider: async (_r, id) => {
        this.keys = this.keys.filter((k) => k.provider.id !== id);
      },
      listClientMappers: async () => structuredClone(this.mappers),
      removeClientMapper: async (_r, _c, name) => {
        const had = this.mappers.some((m) => m.name === name);
        this.mappers = this.mappers.filter((m) => m.name !== name);
        return had;
      },
      addClientMapper: async (_r, _c, m) => {
        this.mappers.push(m);
      },
    };
  }

  services(): LabServices {
    const view = this.view();
    const admin = this.admin();
    return {
      cfg: this.cfg,
      keycloakUrl: 'http://localhost:8090',
      issuer: () => ISS,
      token: async () => this.token(),
      forgedToken: async (exp) => this.token({ exp: this.now + exp }, this.keys[0]),
      gateway: async (region, path, opts) => {
        const d = await decide(
          { method: opts?.method ?? 'GET', path, headers: opts?.token ? { authorization: `Bearer ${opts.token}` } : {} },
          loadPolicies(this.policies.get(region)!),
          () => this.held.get(region),
          { now: this.now },
        );
        return d.decision === 'allow' ? { status: 200, body: '{}', json: { receivedJwtPayload: { tenant: 'acme-books' } } } : { status: d.status, body: d.body };
      },
      discovery: async () => ({ issuer: ISS, jwks_uri: JWKS_URI }),
      keycloakJwks: async () => this.published(),
      view,
      admin: async () => admin,
      sleep: async () => {
        this.refreshAll();
      },
    };
  }
}
