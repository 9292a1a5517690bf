// What tutorial checks and break scenarios need from a running lab, as one
// interface. The real implementation (lab-services.ts) is built from the
// other parts of the project (tokens, curl, admin API, the target's view of
// its gateways); unit tests pass a fake.
import type { LabConfig, RealmName, Region } from '../core/config.js';
import type { Jwks } from '../engine/types.js';
import type { KubeDoc } from '../manifests/index.js';

export interface GatewayAnswer {
  status: number;
  body: string;
  /** The parsed body when it was JSON (the catalog echoes what it received). */
  json?: unknown;
}

export interface KeyProviderInfo {
  id: string;
  name: string;
  providerId: string;
  config: Record<string, string[]>;
}

/** The part of the Keycloak admin API breaks and rotation steps use. */
export interface RealmAdmin {
  listKeyProviders(realm: RealmName): Promise<KeyProviderInfo[]>;
  addKeyProvider(realm: RealmName, p: { name: string; providerId: string; config: Record<string, string[]> }): Promise<string>;
  updateKeyProvider(realm: RealmName, id: string, config: Record<string, string[]>): Promise<void>;
  deleteKeyProvider(realm: RealmName, id: string): Promise<void>;
  /** Remove one protocol mapper (by name) from a client; returns whether it existed. */
  removeClientMapper(realm: RealmName, clientId: string, mapperName: string): Promise<boolean>;
  listClientMappers(realm: RealmName, clientId: string): Promise<ClientMapper[]>;
  addClientMapper(realm: RealmName, clientId: string, mapper: ClientMapper): Promise<void>;
}

export interface ClientMapper {
  name: string;
  protocol?: string;
  protocolMapper: string;
  config: Record<string, string>;
}

/** Where a view of the gateway came from, said plainly (doctor prints it). */
export interface Sourced<T> {
  value: T;
  source: string;
}

/** The JWKS a region's gateway holds for one jwksUri. */
export interface HeldJwks {
  /** undefined: the gateway has no keys for it (its fetch failed: istiod inlines a fake key). */
  jwks?: Jwks;
  /** When the gateway last fetched it (ms since epoch), when known. */
  fetchedAt?: number;
  /** The last fetch error, when the gateway reports one. */
  error?: string;
}

export interface GatewayView {
  /** RequestAuthentication + AuthorizationPolicy documents the region's gateway enforces now. */
  policies(region: Region): Promise<Sourced<KubeDoc[]>>;
  /** The keys the region's gateway holds now for a jwksUri. */
  heldJwks(region: Region, jwksUri: string): Promise<Sourced<HeldJwks>>;
  /** Seconds between JWKS refreshes at that gateway (istiod's interval on kind). */
  jwksRefreshSeconds(region: Region): Promise<number>;
  /** Ask the gateway to re-fetch now; false when the target cannot (kind: wait for istiod instead). */
  refreshJwksNow(region: Region): Promise<boolean>;
  /**
   * Replace the security policies the region's gateway enforces. Validation
   * happens first, as istiod's webhook would: a rejected document changes
   * nothing and the error comes back.
   */
  applyPolicies(region: Region, docs: KubeDoc[], opts?: { remove?: KubeDoc[]; source?: string }): Promise<ApplyOutcome>;
  /** The baseline policies for the region (rendered from manifests/). */
  baselinePolicies(region: Region): KubeDoc[];
}

export interface ApplyOutcome {
  applied: boolean;
  /** What the platform said, e.g. kubectl's output or the validation error. */
  output: string;
}

export interface LabServices {
  cfg: LabConfig;
  keycloakUrl: string;
  issuer(realm: RealmName): string;
  /** A real token from the (dev-only) password grant. Never cached: breaks change what Keycloak issues. */
  token(p: { realm?: RealmName; client: string; user: string }): Promise<string>;
  /** A real demo token's claims re-signed with the realm's own imported key, exp `expInSeconds` from now. */
  forgedToken(expInSeconds: number): Promise<string>;
  gateway(region: Region, path: string, opts?: { token?: string; method?: string }): Promise<GatewayAnswer>;
  discovery(realm: RealmName): Promise<{ issuer: string; jwks_uri: string }>;
  /** What Keycloak publishes now. */
  keycloakJwks(realm: RealmName): Promise<Jwks>;
  view: GatewayView;
  admin(): Promise<RealmAdmin>;
  /** kind only: run kubectl against a region's context. */
  kubectl?(region: Region, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  sleep(ms: number): Promise<void>;
}
