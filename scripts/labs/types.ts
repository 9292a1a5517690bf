// The shape of a lab: a small declarative object (labs/*.ts) that names a
// request, how its token is made, what the gateway must answer and why. The
// runner (scripts/labs/runner.ts) turns it into curl calls and a report.
import type { LabConfig, RealmName, Region, TargetName } from '../core/config.js';
import type { LabAdmin } from '../keycloak/admin.js';

/**
 * Every body the gateway may answer with, exactly as Envoy 1.31 (Istio 1.23.2)
 * writes it (google/jwt_verify_lib status strings + the RBAC filter's).
 * A unit test checks this list against ../shared/reference/istio-jwt.md.
 */
export const ENVOY_BODIES = [
  'RBAC: access denied',
  'Jwt is expired',
  'Jwt not yet valid',
  'Jwt issuer is not configured',
  'Audiences in Jwt are not allowed',
  'Jwt verification fails',
  "Jwks doesn't have key to match kid or alg from Jwt",
  'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
  'Jwt header is an invalid Base64url encoded',
  'Jwt header is an invalid JSON',
  'Jwt header [alg] is not supported',
  'Jwt payload is an invalid JSON',
] as const;
export type EnvoyBody = (typeof ENVOY_BODIES)[number];

/** A user and client of one realm, as the realm files define them. */
export interface Principal {
  realm: RealmName;
  client: string;
  user: string;
}

/** How a lab gets the token it sends. */
export type TokenSpec =
  /** A real token from Keycloak's (dev-only) password grant. `fresh` skips the run's cache. */
  | ({ kind: 'password'; fresh?: boolean } & Principal)
  /** A real demo token's claims, re-signed with the realm's own key and kid, `exp` seconds from now. */
  | { kind: 'forge'; exp: number }
  /** A real demo token whose payload is edited after signing; the signature is left as it was. */
  | { kind: 'tamper'; set: Record<string, unknown> }
  /** Right iss/aud/exp, signed with an attacker's key; `kid` is the attacker's own or the realm's real one. */
  | { kind: 'foreign-key'; kid: 'attacker' | 'realm' }
  /** An unsigned token: `alg: none`, with an empty signature section or a non-empty junk one. */
  | { kind: 'alg-none'; signature: 'empty' | 'junk' };

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A value fixed in the lab, or one that depends on the run (issuer, the claims sent). */
export type Expected = Json | ((env: CheckEnv) => unknown);

export interface CheckEnv {
  cfg: LabConfig;
  region: Region;
  /** `iss` of the trusted realm's tokens on this config. */
  issuer: string;
  /** Claims of the token this step sent, when it was a JWT. */
  sentClaims?: Record<string, unknown>;
}

/** One assertion on a JSON response (the catalog backend echoes what it received). */
export interface JsonCheck {
  /** What this proves, in words, e.g. "the backend got the tenant claim". */
  what: string;
  /** Dotted path into the response JSON, e.g. receivedJwtPayload.tenant */
  at: string;
  equals?: Expected;
  /** The value at `at` is an array (or string) that contains this. */
  contains?: Expected;
  /** The value at `at` is an array (or string) that does NOT contain this. */
  lacks?: Expected;
}

export interface GatewayRequest {
  method?: 'GET' | 'HEAD' | 'POST';
  path: string;
  token?: TokenSpec;
  /** How the token travels: `Authorization: Bearer <jwt>` (default) or the bare JWT without the prefix. */
  tokenIn?: 'bearer' | 'no-prefix';
  headers?: Record<string, string>;
}

export interface GatewayExpect {
  status: number;
  /** Envoy's exact body, or null when the upstream answers (2xx). */
  body: EnvoyBody | null;
  checks?: JsonCheck[];
}

/** A request through the region's gateway, made with curl. */
export interface GatewayStep {
  kind: 'gateway';
  name: string;
  request: GatewayRequest;
  expect: GatewayExpect;
}

/** A token request Keycloak must refuse (or grant), made with undici. */
export interface KeycloakGrantStep {
  kind: 'keycloak-grant';
  name: string;
  grant: Principal & { type: 'password' };
  expect: { status: number; error: string };
}

export type LabStep = GatewayStep | KeycloakGrantStep;

/** Where a lab's claim comes from: a line of ../shared/reference, and the chapter's claim when it differs. */
export interface Fact {
  ref: 'istio-jwt.md' | 'keycloak.md' | 'kind.md' | 'chapter-errata.md';
  section: string;
  /** Text that appears verbatim in that reference file (a unit test checks it). */
  quote: string;
  /** The errata item number when the chapter says otherwise. */
  errata?: number;
  chapterSaid?: string;
}

/** What one step expected and saw. */
export interface StepOutcome {
  name: string;
  expected: { status: number; body: string | null };
  actual: { status: number; body: string | null };
  pass: boolean;
  /** Checks that failed, in words. */
  failures: string[];
  /** The command a learner re-runs, with the token referenced from its file. */
  command?: string;
  tokenFile?: string;
  /** Shortened token for display. */
  tokenPreview?: string;
  /** Extra observations (timings, decoded claims). */
  notes?: string[];
}

/** What a `run`-style lab gets to work with, for one region. */
export interface LabContext {
  cfg: LabConfig;
  region: Region;
  labId: string;
  realExpiry: boolean;
  naturalRefresh: boolean;
  /** Make the request with curl and compare; a step like the declarative ones. */
  gateway(step: GatewayStep, token?: string): Promise<StepOutcome>;
  /** A declarative step, exactly as the runner would run it. */
  step(step: LabStep): Promise<StepOutcome>;
  /** A token for a spec (cached per run unless `fresh`). */
  token(spec: TokenSpec): Promise<string>;
  keycloak: KeycloakAccess;
  /** Compare a token-endpoint answer with what a lab expects from Keycloak. */
  keycloakOutcome(name: string, expect: { status: number; error: string }, got: { status: number; json: Record<string, unknown> }, command: string): StepOutcome;
  /** One value per run, shared by every region (a browser login, a workload token). */
  shared<T>(key: string, make: () => Promise<T>): Promise<T>;
  /** The gateway's JWKS refresh, as far as the target lets the lab see or drive it. */
  jwks: JwksControl;
  note(msg: string): void;
  sleep(ms: number): Promise<void>;
}

export interface KeycloakAccess {
  url: string;
  issuer(realm: RealmName): string;
  /** storefront-web's registered callback for this region. */
  redirectUri(region: Region): string;
  clientSecret(realm: RealmName, client: string): string | undefined;
  password(realm: RealmName, user: string): string;
}

export interface JwksControl {
  /** The refresh interval the region's gateway (or istiod) runs with, seconds. */
  intervalSeconds(region: Region): Promise<number>;
  /**
   * Ask the region's gateway to re-fetch now; false when the target cannot
   * (kind: wait instead). `restartTimer`: its next own refresh comes one full
   * interval later, so nothing refreshes behind the lab's back meanwhile.
   */
  refreshNow(region: Region, opts?: { restartTimer?: boolean }): Promise<boolean>;
  /** How many times the region's gateway has fetched JWKS so far, when the target can tell. */
  fetchCount(region: Region): Promise<number | undefined>;
  /** How the refresh works on this target, for the report. */
  describe(): string;
}

/** The lab's whole-run context, for labs that must act once across every region (key rotation). */
export interface MultiRegionContext {
  cfg: LabConfig;
  regions: Region[];
  forRegion(region: Region): LabContext;
  /** Admin API of the lab's Keycloak (scripts/keycloak/admin.ts), loaded on demand. */
  admin(): Promise<KeyAdmin>;
  note(msg: string): void;
}

/** The part of the Keycloak admin API (scripts/keycloak/admin.ts) the rotation lab needs. */
export type KeyAdmin = Pick<LabAdmin, 'listKeyProviders' | 'addRsaGeneratedProvider' | 'setProviderState' | 'deleteProvider' | 'listKeys'>;

export type TargetSupport = true | { skip: string };

export interface LabDefinition {
  id: string;
  title: string;
  targets: Record<TargetName, TargetSupport>;
  regions: 'each' | 'us-east';
  /** The declarative form: steps run in order; the first is the lab's headline. */
  steps?: LabStep[];
  /** Scripted labs: the headline answer, for the report when the lab is skipped or cannot run. */
  headline?: { status: number; body: string | null };
  /** Steps-type labs: one region at a time. */
  run?: (ctx: LabContext) => Promise<StepOutcome[]>;
  /** Labs that change shared state once for every region (key rotation): they run alone, last. */
  runAcrossRegions?: (ctx: MultiRegionContext) => Promise<Partial<Record<Region, StepOutcome[]>>>;
  /** With --real-expiry, this replaces the steps. */
  realExpiry?: (ctx: LabContext) => Promise<StepOutcome[]>;
  /** What the learner should take away, in the project's own words. */
  explain: string;
  facts: Fact[];
}

/** One row of the report: a lab in a region. */
export interface LabResult {
  id: string;
  region: Region;
  title: string;
  expected: { status: number; body: string | null };
  actual: { status: number; body: string | null };
  pass: boolean;
  durationMs: number;
  steps: StepOutcome[];
  notes: string[];
  skipped?: boolean;
  reason?: string;
  /** Set when the lab could not run at all (Keycloak down, admin API refused). */
  error?: string;
}
