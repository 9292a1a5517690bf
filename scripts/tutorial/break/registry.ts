// The seven break scenarios. Policy breaks patch the baseline documents and
// hand them to the target (local gateways reload, kind gets `kubectl apply`);
// realm breaks go through Keycloak's admin API. Each one states the symptom
// real Istio 1.23.2 shows, and what `lab doctor` must name.
import { PRIMARY_REALM, type Region } from '../../core/config.js';
import { LabError } from '../../core/errors.js';
import { renderRealms } from '../../manifests/index.js';
import type { KubeDoc } from '../../manifests/index.js';
import type { ClientMapper } from '../services.js';
import {
  breakIssuer,
  breakJwksUri,
  chapterNotValuesPolicy,
  deadPortUri,
  dropAuthorizationPolicies,
  ISSUER_VARIANTS,
  shadowingDenyAll,
  type IssuerVariant,
} from './patches.js';
import { updateBreakState, loadBreakState } from './state.js';
import { SCENARIO_IDS, type Scenario, type ScenarioContext, type ScenarioId } from './types.js';

const regionsOf = (ctx: ScenarioContext): Region[] => ctx.regions ?? ctx.cfg.regions;

function record(id: ScenarioId, variant?: string, detail?: Record<string, string>): void {
  updateBreakState((s) => ({ ...s, active: { ...s.active, [id]: { at: new Date().toISOString(), variant, detail } } }));
}
function forget(id: ScenarioId): void {
  updateBreakState((s) => {
    const active = { ...s.active };
    delete active[id];
    return { ...s, active, rejected: id === 'notvalues-empty' ? undefined : s.rejected };
  });
}

/** Apply patched policies in every region; fail loudly if the platform refused them. */
async function applyEverywhere(ctx: ScenarioContext, id: ScenarioId, patch: (baseline: KubeDoc[], region: Region) => { docs: KubeDoc[]; remove?: KubeDoc[] }): Promise<string[]> {
  const lines: string[] = [];
  for (const region of regionsOf(ctx)) {
    const { docs, remove } = patch(ctx.lab.view.baselinePolicies(region), region);
    const out = await ctx.lab.view.applyPolicies(region, docs, { remove, source: `tutorial break ${id}${ctx.variant ? ` --variant ${ctx.variant}` : ''}` });
    if (!out.applied) throw new LabError(`the ${region} gateway refused the change`, out.output, 'npm run lab:reset');
    lines.push(`${region}: ${out.output.trim() || 'applied'}`);
  }
  return lines;
}

async function restoreBaseline(ctx: ScenarioContext): Promise<string[]> {
  const lines: string[] = [];
  for (const region of regionsOf(ctx)) {
    const out = await ctx.lab.view.applyPolicies(region, ctx.lab.view.baselinePolicies(region), { source: 'baseline (tutorial fix)' });
    if (!out.applied) throw new LabError(`could not restore the ${region} baseline policies`, out.output, 'npm run lab:reset');
    lines.push(`${region}: baseline policies back`);
  }
  return lines;
}

const issuerMismatch: Scenario = {
  id: 'issuer-mismatch',
  title: 'The RequestAuthentication issuer is off by a character or two',
  change: 'Every jwtRule issuer is retyped with a trailing slash (variant trailing-slash), https instead of http (scheme) or without the port (port).',
  symptom: 'Every token gets 401 "Jwt issuer is not configured". Requests without a token are unaffected (403 on /api, 200 on /static).',
  lesson: 'Envoy compares `iss` with the jwtRule issuer byte for byte: no URL normalisation, no trailing-slash tolerance. Copy the issuer from the realm\'s .well-known/openid-configuration, and pin Keycloak\'s hostname so that value never changes.',
  variants: ISSUER_VARIANTS,
  async break(ctx) {
    const variant = (ctx.variant ?? 'trailing-slash') as IssuerVariant;
    if (!ISSUER_VARIANTS.includes(variant)) {
      throw new LabError(`unknown variant "${variant}"`, `issuer-mismatch variants: ${ISSUER_VARIANTS.join(', ')}`, 'npm run tutorial -- break issuer-mismatch --variant scheme', 2);
    }
    const lines = await applyEverywhere(ctx, 'issuer-mismatch', (docs) => ({ docs: breakIssuer(docs, variant) }));
    record('issuer-mismatch', variant);
    return { lines: [`jwtRule issuer retyped (${variant})`, ...lines] };
  },
  async fix(ctx) {
    const lines = await restoreBaseline(ctx);
    forget('issuer-mismatch');
    return lines;
  },
  probes: [
    { what: 'a valid token', path: '/api/books', token: 'demo', expect: { status: 401, body: 'Jwt issuer is not configured' } },
    { what: 'no token on /api', path: '/api/books', token: 'none', expect: { status: 403, body: 'RBAC: access denied' } },
    { what: 'no token on /static', path: '/static/index.html', token: 'none', expect: { status: 200, body: null } },
  ],
  doctor: { token: 'demo', path: '/api/books', cause: /iss matches no jwtRule issuer[\s\S]*(trailing slash|scheme|port)/ },
};

const AUDIENCE_VARIANTS = ['realm', 'policy'];
const AUDIENCE_CLIENT = 'admin-portal';

/** The audience mapper the realm file gives a client (so fix can put it back exactly). */
function realmAudienceMapper(ctx: ScenarioContext, clientId: string): ClientMapper {
  const realm = renderRealms(ctx.cfg)[PRIMARY_REALM];
  const client = ((realm?.clients as Array<{ clientId: string; protocolMappers?: ClientMapper[] }> | undefined) ?? []).find((c) => c.clientId === clientId);
  const mapper = client?.protocolMappers?.find((m) => m.protocolMapper === 'oidc-audience-mapper');
  if (!mapper) throw new LabError(`realm file has no audience mapper on ${clientId}`, 'the audience-mismatch scenario removes it', 'check realms/bookstore-platform.json');
  return mapper;
}

const audienceMismatch: Scenario = {
  id: 'audience-mismatch',
  title: 'The token\'s aud is not one the gateway accepts',
  change: 'variant realm (default): admin-portal loses its audience mapper, so its tokens carry Keycloak\'s default aud "account". variant policy: the RequestAuthentication accepts only storefront-web, as the chapter wrote it.',
  symptom: 'demo-user\'s admin-portal token gets 403 "Audiences in Jwt are not allowed" (403, not 401: this one check answers Forbidden).',
  lesson: 'Keycloak does not put the client id in `aud` by itself; an oidc-audience-mapper does. Every value in the jwtRule audiences must be produced by some client\'s mapper, and each client\'s tokens must carry one of them.',
  variants: AUDIENCE_VARIANTS,
  async break(ctx) {
    const variant = ctx.variant ?? 'realm';
    if (variant === 'policy') {
      const lines = await applyEverywhere(ctx, 'audience-mismatch', (docs) => ({
        docs: docs.map((d) => {
          if (d.kind !== 'RequestAuthentication') return d;
          const c = structuredClone(d);
          for (const r of ((c.spec as { jwtRules?: Array<{ audiences?: string[] }> }).jwtRules ?? [])) r.audiences = ['storefront-web'];
          return c;
        }),
      }));
      record('audience-mismatch', variant);
      return { lines: ['jwtRule audiences set to [storefront-web] (the chapter\'s value)', ...lines] };
    }
    if (variant !== 'realm') throw new LabError(`unknown variant "${variant}"`, `audience-mismatch variants: ${AUDIENCE_VARIANTS.join(', ')}`, 'npm run tutorial -- break audience-mismatch', 2);
    const mapper = realmAudienceMapper(ctx, AUDIENCE_CLIENT);
    const admin = await ctx.lab.admin();
    const removed = await admin.removeClientMapper(PRIMARY_REALM, AUDIENCE_CLIENT, mapper.name);
    record('audience-mismatch', variant, { client: AUDIENCE_CLIENT, mapper: mapper.name });
    return { lines: [removed ? `removed mapper "${mapper.name}" from client ${AUDIENCE_CLIENT}` : `client ${AUDIENCE_CLIENT} already had no "${mapper.name}" mapper`] };
  },
  async fix(ctx) {
    const active = loadBreakState().active['audience-mismatch'];
    const lines: string[] = [];
    if (active?.variant === 'policy') lines.push(...(await restoreBaseline(ctx)));
    else {
      const mapper = realmAudienceMapper(ctx, AUDIENCE_CLIENT);
      const admin = await ctx.lab.admin();
      const present = (await admin.listClientMappers(PRIMARY_REALM, AUDIENCE_CLIENT)).some((m) => m.name === mapper.name);
      if (!present) await admin.addClientMapper(PRIMARY_REALM, AUDIENCE_CLIENT, mapper);
      lines.push(present ? `client ${AUDIENCE_CLIENT} already has "${mapper.name}"` : `mapper "${mapper.name}" back on ${AUDIENCE_CLIENT}`);
    }
    forget('audience-mismatch');
    return lines;
  },
  probes: [{ what: 'demo-user\'s admin-portal token', path: '/api/books', token: 'demo', expect: { status: 403, body: 'Audiences in Jwt are not allowed' } }],
  doctor: { token: 'demo', path: '/api/books', cause: /aud \[[^\]]*\] shares no value with the audiences/ },
};

const jwksUnreachable: Scenario = {
  id: 'jwks-unreachable',
  title: 'The jwksUri points where nothing answers',
  change: 'Every jwtRule jwksUri gets a port where nothing listens (9).',
  symptom: 'istiod cannot fetch the keys and inlines a fake key instead, so every token fails its signature check: 401 "Jwt verification fails". Requests without a token still pass jwt_authn (403 on /api from RBAC, 200 on /static).',
  lesson: 'The JWKS is fetched by istiod (or this lab\'s gateway), not by the client: check that jwksUri is reachable from there (`kubectl exec` a curl in istio-system). A failed fetch does not fail open for tokens, but it does not block tokenless requests either: only the AuthorizationPolicies do that.',
  async break(ctx) {
    const lines = await applyEverywhere(ctx, 'jwks-unreachable', (docs) => ({ docs: breakJwksUri(docs, (u) => deadPortUri(u)) }));
    for (const region of regionsOf(ctx)) await ctx.lab.view.refreshJwksNow(region);
    record('jwks-unreachable');
    return { lines: ['jwksUri moved to port 9 (nothing listens)', ...lines] };
  },
  async fix(ctx) {
    const lines = await restoreBaseline(ctx);
    for (const region of regionsOf(ctx)) await ctx.lab.view.refreshJwksNow(region);
    forget('jwks-unreachable');
    return lines;
  },
  probes: [
    { what: 'a valid token', path: '/api/books', token: 'demo', expect: { status: 401, body: 'Jwt verification fails' } },
    { what: 'no token on /static', path: '/static/index.html', token: 'none', expect: { status: 200, body: null } },
    { what: 'no token on /api', path: '/api/books', token: 'none', expect: { status: 403, body: 'RBAC: access denied' } },
  ],
  doctor: { token: 'demo', path: '/api/books', cause: /could not fetch the JWKS/ },
};

const raWithoutAp: Scenario = {
  id: 'requestauthentication-without-authorizationpolicy',
  title: 'RequestAuthentication alone: verification without enforcement',
  change: 'Every AuthorizationPolicy is removed; the RequestAuthentication stays.',
  symptom: 'A request WITHOUT a token reaches the backend: 200 on /api/books. A request with a bad or expired token is still refused (401 "Jwt is expired").',
  lesson: 'RequestAuthentication checks tokens that are present and nothing else. Requiring one is the AuthorizationPolicy\'s job (`requestPrincipals: ["*"]` on /api/*).',
  async break(ctx) {
    const lines = await applyEverywhere(ctx, 'requestauthentication-without-authorizationpolicy', (docs) => {
      const { kept, removed } = dropAuthorizationPolicies(docs);
      return { docs: kept, remove: removed };
    });
    record('requestauthentication-without-authorizationpolicy');
    return { lines: ['every AuthorizationPolicy removed', ...lines] };
  },
  async fix(ctx) {
    const lines = await restoreBaseline(ctx);
    forget('requestauthentication-without-authorizationpolicy');
    return lines;
  },
  probes: [
    { what: 'no token on /api', path: '/api/books', token: 'none', expect: { status: 200, body: null } },
    { what: 'a token expired 120 s ago', path: '/api/books', token: 'expired', expect: { status: 401, body: 'Jwt is expired' } },
  ],
  doctor: { token: 'none', path: '/api/books', cause: /no AuthorizationPolicy selects the gateway/ },
};

const ROTATION_KEY_NAME = 'lab-break-rotation-gap';

const rotationGap: Scenario = {
  id: 'rotation-gap',
  title: 'A new signing key is active before the gateway has it',
  change: 'A new RSA key with the highest priority is added to bookstore-platform and is active at once (no staging).',
  symptom: 'Until the gateway\'s next JWKS refresh, every NEW token gets 401 "Jwks doesn\'t have key to match kid or alg from Jwt"; tokens issued before still pass. After the refresh, everything passes again.',
  lesson: 'Stage keys: publish the new key (passive) first, wait one refresh, then make it active; keep the old key passive for the longest token lifetime plus one refresh. Know your refresh interval: istiod\'s default is 20 minutes.',
  async break(ctx) {
    const admin = await ctx.lab.admin();
    const lines: string[] = [];
    // Refresh first, so the gateways hold exactly today's keys and the gap lasts one full interval.
    for (const region of regionsOf(ctx)) {
      if (await ctx.lab.view.refreshJwksNow(region)) lines.push(`${region}: gateway JWKS refreshed just before the rotation`);
    }
    const existing = await admin.listKeyProviders(PRIMARY_REALM);
    const prior = existing.find((p) => p.name === ROTATION_KEY_NAME);
    if (prior) await admin.deleteKeyProvider(PRIMARY_REALM, prior.id);
    const top = Math.max(0, ...existing.filter((p) => p.name !== ROTATION_KEY_NAME).map((p) => Number(p.config.priority?.[0] ?? 0)));
    const id = await admin.addKeyProvider(PRIMARY_REALM, {
      name: ROTATION_KEY_NAME,
      providerId: 'rsa-generated',
      config: { priority: [String(top + 100)], active: ['true'], enabled: ['true'], algorithm: ['RS256'], keySize: ['2048'] },
    });
    const interval = await ctx.lab.view.jwksRefreshSeconds(regionsOf(ctx)[0]!);
    record('rotation-gap', undefined, { providerId: id });
    lines.push(`new active key "${ROTATION_KEY_NAME}" (priority ${top + 100}) in ${PRIMARY_REALM}`, `the gateways will pick it up at their next JWKS refresh (every ${interval} s)`);
    return { lines };
  },
  async fix(ctx) {
    const admin = await ctx.lab.admin();
    const providers = await admin.listKeyProviders(PRIMARY_REALM);
    const lines: string[] = [];
    for (const p of providers.filter((x) => x.name === ROTATION_KEY_NAME)) {
      await admin.deleteKeyProvider(PRIMARY_REALM, p.id);
      lines.push(`removed key provider ${p.name}`);
    }
    for (const region of regionsOf(ctx)) await ctx.lab.view.refreshJwksNow(region);
    forget('rotation-gap');
    return lines.length ? lines : ['no rotation-gap key to remove'];
  },
  probes: [{ what: 'a token issued after the rotation', path: '/api/books', token: 'demo', expect: { status: 401, body: "Jwks doesn't have key to match kid or alg from Jwt" } }],
  doctor: { token: 'demo', path: '/api/books', cause: /kid "[^"]+" is not in the JWKS the gateway holds[\s\S]*Keycloak publishes it/ },
};

const denyAllShadowing: Scenario = {
  id: 'deny-all-shadowing',
  title: 'A deny-all that matches everything',
  change: 'deny-all becomes the chapter\'s catch-all: action DENY with one empty rule.',
  symptom: 'Everything gets 403 "RBAC: access denied": /static without a token and /api with a perfectly valid token alike.',
  lesson: 'DENY policies are evaluated before ALLOW ones, so a DENY that matches everything wins over every ALLOW. You rarely need one: once an ALLOW policy selects the gateway, anything it does not allow is already refused. If you keep one, exclude what the ALLOWs cover (notPaths).',
  async break(ctx) {
    const lines = await applyEverywhere(ctx, 'deny-all-shadowing', (docs) => ({ docs: shadowingDenyAll(docs) }));
    record('deny-all-shadowing');
    return { lines: ['deny-all now DENY with rules: [{}]', ...lines] };
  },
  async fix(ctx) {
    const lines = await restoreBaseline(ctx);
    forget('deny-all-shadowing');
    return lines;
  },
  probes: [
    { what: 'no token on /static', path: '/static/index.html', token: 'none', expect: { status: 403, body: 'RBAC: access denied' } },
    { what: 'a valid token on /api', path: '/api/books', token: 'demo', expect: { status: 403, body: 'RBAC: access denied' } },
  ],
  doctor: { token: 'demo', path: '/api/books', cause: /DENY policy istio-system\/deny-all/ },
};

const notValuesEmpty: Scenario = {
  id: 'notvalues-empty',
  title: 'The chapter\'s notValues: [""] presence check',
  change: 'require-jwt-api is re-applied with `when: request.auth.claims[tenant] notValues: [""]`, as the chapter wrote it.',
  symptom: 'Nothing changes at the gateway: the apply itself is refused by validation (istiod\'s webhook on kind), and the error says why. The running policies stay as they were.',
  lesson: 'Admission validation rejects empty strings in values/notValues. And even if it did not, notValues matches when the claim is ABSENT, so it would admit tokens without a tenant. The presence check is `values: ["*"]`.',
  async break(ctx) {
    const lines: string[] = [];
    let rejected: string | undefined;
    for (const region of regionsOf(ctx)) {
      const baseline = ctx.lab.view.baselinePolicies(region);
      const changed = chapterNotValuesPolicy(baseline);
      const docs = baseline.map((d) => (d.kind === changed.kind && d.metadata.name === changed.metadata.name && d.metadata.namespace === changed.metadata.namespace ? changed : d));
      const out = await ctx.lab.view.applyPolicies(region, docs, { source: 'tutorial break notvalues-empty' });
      if (out.applied) {
        await restoreBaseline({ ...ctx, regions: [region] });
        throw new LabError('the notValues: [""] policy was accepted', 'istiod\'s validation would refuse it; the lab\'s validation did not', 'report this as a bug in the lab');
      }
      rejected ??= out.output.trim();
      lines.push(`${region}: refused, nothing applied`);
    }
    updateBreakState((s) => ({
      ...s,
      rejected: { at: new Date().toISOString(), object: 'AuthorizationPolicy/istio-system/require-jwt-api', message: rejected ?? '' },
    }));
    return { lines: [...lines, `error: ${rejected}`], rejected };
  },
  async fix() {
    forget('notvalues-empty');
    return ['nothing was applied; the record of the refused apply is cleared'];
  },
  probes: [
    { what: 'a valid token (baseline still in force)', path: '/api/books', token: 'demo', expect: { status: 200, body: null } },
    { what: 'no token on /api', path: '/api/books', token: 'none', expect: { status: 403, body: 'RBAC: access denied' } },
  ],
  doctor: { token: 'demo', path: '/api/books', cause: /last policy change was refused[\s\S]*require-jwt-api/ },
};

export const SCENARIOS: Record<ScenarioId, Scenario> = {
  'issuer-mismatch': issuerMismatch,
  'audience-mismatch': audienceMismatch,
  'jwks-unreachable': jwksUnreachable,
  'requestauthentication-without-authorizationpolicy': raWithoutAp,
  'rotation-gap': rotationGap,
  'deny-all-shadowing': denyAllShadowing,
  'notvalues-empty': notValuesEmpty,
};

export function isScenarioId(s: string): s is ScenarioId {
  return (SCENARIO_IDS as readonly string[]).includes(s);
}

export function scenario(id: string): Scenario {
  if (!isScenarioId(id)) {
    throw new LabError(`unknown scenario "${id}"`, `scenarios: ${SCENARIO_IDS.join(', ')}`, 'npm run tutorial -- break --list', 2);
  }
  return SCENARIOS[id];
}
