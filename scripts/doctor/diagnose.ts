// `lab doctor`'s reasoning. The verdict comes from the one engine (explain());
// this module adds what a person needs to see WHY: the issuer compared
// character by character, aud against audiences, the time window, whether the
// kid is in the keys the gateway holds now versus what Keycloak publishes, and
// which policy rules matched. Pure: all I/O arrives through DoctorInput.
import { CLOCK_SKEW_SECONDS, GATEWAY_WORKLOAD, type LabConfig, type Region } from '../core/config.js';
import { explain, jwksKeyFor, loadPolicies } from '../engine/index.js';
import { appliesTo } from '../engine/scope.js';
import type { Explained, Jwks, TraceStep } from '../engine/types.js';
import type { KubeDoc } from '../manifests/index.js';
import type { HeldJwks, Sourced } from '../tutorial/services.js';
import { audList, decodeForDisplay, type DecodedToken } from './decode.js';
import { compareIssuer, type StringDiff } from './issuer-diff.js';
import { timeChecks, type TimeCheck } from './time-window.js';

export interface DoctorInput {
  cfg: LabConfig;
  region: Region;
  method: string;
  path: string;
  token?: string;
  /** Unix seconds. */
  now: number;
  policies: Sourced<KubeDoc[]>;
  /** What the region's gateway holds for a jwksUri (or discovery key). */
  held(jwksKey: string): Promise<Sourced<HeldJwks>>;
  /** What the issuer publishes right now, when reachable from here. */
  published(jwksKey: string): Promise<Jwks | undefined>;
  refreshSeconds?: number;
  /** The last policy change the platform refused (kubectl output / validation), if any. */
  rejected?: { object: string; message: string; at: string };
}

export interface RuleView {
  policy: string;
  index: number;
  issuer: string;
  audiences: string[];
  jwksKey: string;
  issuerDiff?: StringDiff;
}

export interface KeyView {
  jwksKey: string;
  source: string;
  held: boolean | undefined;
  heldKids: string[];
  fetchedAt?: number;
  fetchError?: string;
  published?: boolean;
  publishedKids?: string[];
}

export interface DoctorReport {
  target: string;
  region: Region;
  request: { method: string; path: string };
  policySource: string;
  token?: DecodedToken;
  rules: RuleView[];
  /** The rule whose issuer equals the token's iss, if any. */
  matchedRule?: RuleView;
  audience?: { aud: string[]; accepted: string[]; ok: boolean };
  times: TimeCheck[];
  key?: KeyView;
  engine: Pick<Explained, 'decision' | 'trace' | 'matchedPolicy' | 'jwtStatus' | 'decidedBy'>;
  prediction: { status: number; body: string | null; upstream: boolean };
  causes: string[];
  rejected?: DoctorInput['rejected'];
  /** Filled by the caller after sending the request. */
  actual?: { status: number; body: string; matches: boolean; error?: string };
}

function securityRules(docs: KubeDoc[]): RuleView[] {
  const set = loadPolicies(docs);
  const out: RuleView[] = [];
  for (const ra of set.requestAuthentications) {
    if (!appliesTo(ra, GATEWAY_WORKLOAD)) continue;
    ra.jwtRules.forEach((rule, index) =>
      out.push({ policy: `${ra.meta.namespace}/${ra.meta.name}`, index, issuer: rule.issuer, audiences: rule.audiences, jwksKey: jwksKeyFor(rule) }),
    );
  }
  return out;
}

const kidsOf = (jwks: Jwks | undefined) =>
  (jwks?.keys ?? []).filter((k) => k.use !== 'enc').map((k) => (typeof k.kid === 'string' ? k.kid : '<no kid>'));

function ago(ms: number, now: number): string {
  return `${Math.max(0, Math.round(now - ms / 1000))} s ago`;
}

export async function diagnose(input: DoctorInput): Promise<DoctorReport> {
  const { cfg, region, now } = input;
  const token = input.token ? decodeForDisplay(input.token) : undefined;
  const claims = token?.claims ?? {};
  const header = token?.header ?? {};
  const rules = securityRules(input.policies.value);
  const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
  if (iss !== undefined) for (const r of rules) r.issuerDiff = compareIssuer(iss, r.issuer);
  const matchedRule = rules.find((r) => r.issuerDiff?.equal);

  // Every key set the engine may need, as the gateway holds it now.
  const heldByKey = new Map<string, Sourced<HeldJwks>>();
  for (const r of rules) if (!heldByKey.has(r.jwksKey)) heldByKey.set(r.jwksKey, await input.held(r.jwksKey));

  const headers: Record<string, string> = {};
  if (input.token) headers.authorization = `Bearer ${token!.raw}`;
  const explained = await explain(
    { method: input.method, path: input.path, headers, host: `localhost:${cfg.ports[region].https}`, scheme: 'https' },
    loadPolicies(input.policies.value),
    (key) => heldByKey.get(key)?.value.jwks,
    { now },
  );

  const report: DoctorReport = {
    target: cfg.target,
    region,
    request: { method: input.method, path: input.path },
    policySource: input.policies.source,
    token,
    rules,
    matchedRule,
    times: token?.claims ? timeChecks(claims, now, CLOCK_SKEW_SECONDS) : [],
    engine: {
      decision: explained.decision,
      trace: explained.trace,
      matchedPolicy: explained.matchedPolicy,
      jwtStatus: explained.jwtStatus,
      decidedBy: explained.decidedBy,
    },
    prediction:
      explained.decision.decision === 'allow'
        ? { status: 200, body: null, upstream: true }
        : { status: explained.decision.status, body: explained.decision.body, upstream: false },
    causes: [],
    rejected: input.rejected,
  };

  if (token?.claims) {
    const aud = audList(claims);
    const accepted = matchedRule?.audiences ?? [...new Set(rules.flatMap((r) => r.audiences))];
    report.audience = { aud, accepted, ok: accepted.length === 0 || aud.some((a) => accepted.includes(a)) };
  }

  const keyRule = matchedRule ?? rules[0];
  if (token?.header && keyRule) {
    const held = heldByKey.get(keyRule.jwksKey)!;
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const heldKids = kidsOf(held.value.jwks);
    const pub = await input.published(keyRule.jwksKey).catch(() => undefined);
    report.key = {
      jwksKey: keyRule.jwksKey,
      source: held.source,
      held: held.value.jwks === undefined ? false : kid === undefined ? undefined : heldKids.includes(kid),
      heldKids,
      fetchedAt: held.value.fetchedAt,
      fetchError: held.value.error,
      published: pub && kid !== undefined ? kidsOf(pub).includes(kid) : undefined,
      publishedKids: pub ? kidsOf(pub) : undefined,
    };
  }

  report.causes = causesFor(report, input);
  return report;
}

function traceDetails(trace: TraceStep[], stage: TraceStep['stage'], failedOnly = false): string[] {
  return trace.filter((t) => t.stage === stage && (!failedOnly || !t.ok)).map((t) => t.detail);
}

/** The cause(s), in words, derived from the engine's verdict and the comparisons above. */
export function causesFor(r: DoctorReport, input: Pick<DoctorInput, 'refreshSeconds' | 'now'>): string[] {
  const out: string[] = [];
  const status = r.engine.jwtStatus;
  const d = r.engine.decision;
  const kid = typeof r.token?.header?.kid === 'string' ? (r.token.header.kid as string) : undefined;
  if (r.rejected) {
    out.push(`the last policy change was refused by validation, so it never reached the gateway (${r.rejected.object}): ${r.rejected.message}`);
  }
  if (d.decision === 'deny' && r.engine.decidedBy === 'jwt_authn') {
    switch (status) {
      case 'JwtUnknownIssuer': {
        const diffs = r.rules.map((x) => `jwtRule[${x.index}] of ${x.policy}: ${x.issuerDiff?.kinds.join('; ') ?? 'no iss in token'}`);
        out.push(`the token's iss matches no jwtRule issuer (Envoy compares byte for byte): ${diffs.join(' | ')}`);
        break;
      }
      case 'JwtExpired':
      case 'JwtNotYetValid':
        out.push(`the token is outside its time window: ${r.times.filter((t) => !t.ok).map((t) => `${t.claim} ${t.detail}`).join('; ')}`);
        break;
      case 'JwtAudienceNotAllowed': {
        const a = r.audience;
        const hint = a?.aud.length === 1 && a.aud[0] === 'account' ? ' ("account" is Keycloak\'s default: the client needs an oidc-audience-mapper)' : '';
        out.push(`aud ${JSON.stringify(a?.aud ?? [])} shares no value with the audiences ${JSON.stringify(a?.accepted ?? [])} of the jwtRule for this issuer${hint}`);
        break;
      }
      case 'JwksKidAlgMismatch': {
        const k = r.key;
        const when = k?.fetchedAt ? ` (fetched ${ago(k.fetchedAt, input.now)}${input.refreshSeconds ? `, refreshed every ${input.refreshSeconds} s` : ''})` : '';
        if (k?.published) {
          out.push(`kid "${kid}" is not in the JWKS the gateway holds${when}, but Keycloak publishes it now: a rotation gap. It closes at the gateway's next JWKS refresh; stage new keys (passive first) to avoid it.`);
        } else {
          out.push(`kid "${kid ?? '(none)'}" is not in the JWKS the gateway holds${when}, and ${k?.publishedKids ? 'Keycloak does not publish it either: the token was signed by a key this realm never had' : 'the issuer\'s current JWKS could not be read from here'}.`);
        }
        break;
      }
      case 'JwtVerificationFail':
        if (r.key && r.key.held === false && r.key.heldKids.length === 0) {
          out.push(`the gateway could not fetch the JWKS from ${r.key.jwksKey}${r.key.fetchError ? ` (${r.key.fetchError})` : ''}: istiod then inlines a fake key, so every token fails its signature check while tokenless requests still pass jwt_authn.`);
        } else out.push(`the signature does not verify with the held key${kid ? ` for kid "${kid}"` : ''}: the token was altered after signing, or signed by a different key with the same kid.`);
        break;
      case 'JwksNoValidKeys':
        out.push(`the JWKS the gateway holds for ${r.key?.jwksKey ?? 'this issuer'} has no usable key: ${traceDetails(r.engine.trace, 'jwt_authn', true).join('; ')}`);
        break;
      default:
        out.push(`jwt_authn refused the token: ${d.body}${status ? ` (${status})` : ''}`);
    }
  } else if (d.decision === 'deny' && r.engine.decidedBy !== 'jwt_authn') {
    const m = r.engine.matchedPolicy;
    if (m && (m.action === 'DENY' || r.engine.decidedBy === 'custom')) {
      out.push(`DENY policy ${m.namespace}/${m.name} rule ${m.ruleIndex} matches this request; DENY is evaluated before every ALLOW, so the ALLOW policies never get a say.`);
    } else {
      const noToken = !r.token;
      out.push(
        `no ALLOW rule matches this request, so RBAC denies it${noToken ? ' (there is no token, so no request principal: 403, not 401)' : ''}: ${traceDetails(r.engine.trace, 'rbac', true).join('; ')}`,
      );
    }
  } else if (d.decision === 'allow') {
    const anyAllowPolicy = r.engine.trace.some((t) => t.stage === 'rbac' && /ALLOW policy .* matched/.test(t.detail));
    const noPolicies = r.engine.trace.some((t) => t.stage === 'rbac' && t.detail.includes('no ALLOW policy selects this workload'));
    if (noPolicies && !r.token) {
      out.push('no AuthorizationPolicy selects the gateway: RequestAuthentication alone validates tokens that are present but lets a request WITHOUT a token through. Add an ALLOW policy with requestPrincipals: ["*"] for /api/*.');
    } else if (noPolicies) {
      out.push('no AuthorizationPolicy selects the gateway: this token passed jwt_authn, but so would a request with no token at all.');
    } else if (anyAllowPolicy) out.push(`allowed: ${r.engine.trace.filter((t) => t.stage === 'rbac' && t.check === 'allow').map((t) => t.detail).join('; ')}`);
  }
  return out;
}
