import { PRIMARY_REALM, type Region } from '../scripts/core/config.js';
import { decodeJwt } from '../scripts/keycloak/tokens.js';
import type { KeyProvider } from '../scripts/keycloak/admin.js';
import { DEMO } from '../scripts/labs/token-source.js';
import type { GatewayStep, KeyAdmin, LabContext, LabDefinition, MultiRegionContext, StepOutcome } from '../scripts/labs/types.js';
import { FACTS } from './facts.js';

const REALM = PRIMARY_REALM;
/** Providers this lab adds are named so a reset (or the next run) can find leftovers. */
export const ROTATION_PREFIX = 'lab-rotation-';
const KID_MISMATCH = "Jwks doesn't have key to match kid or alg from Jwt" as const;

const probe = (name: string, status: 200 | 401): GatewayStep => ({
  kind: 'gateway',
  name,
  request: { path: '/api/books' },
  expect: status === 200 ? { status: 200, body: null } : { status: 401, body: KID_MISMATCH },
});

/** When a change happened, and how many JWKS fetches each gateway had made just BEFORE it. */
type Phase = { at: number; counts: Map<Region, number | undefined> };

async function fetchCounts(ctx: MultiRegionContext): Promise<Map<Region, number | undefined>> {
  const jwks = ctx.forRegion(ctx.regions[0]!).jwks;
  return new Map(await Promise.all(ctx.regions.map(async (r) => [r, await jwks.fetchCount(r)] as const)));
}

async function change(ctx: MultiRegionContext, act: () => Promise<unknown>): Promise<Phase> {
  const counts = await fetchCounts(ctx);
  await act();
  return { at: Date.now(), counts };
}

/**
 * Send `token` right after a change and expect the gateway NOT to have noticed
 * yet. If it did (its own refresh landed in between), say so instead of
 * pretending: that is the same behaviour, seen a little late.
 */
async function beforeRefresh(ctx: LabContext, name: string, token: string, status: 200 | 401, since: Phase): Promise<StepOutcome> {
  const out = await ctx.gateway(probe(name, status), token);
  if (!out.pass) {
    const before = since.counts.get(ctx.region);
    const now = await ctx.jwks.fetchCount(ctx.region);
    if (before !== undefined && now !== undefined && now > before) {
      out.notes = [`the gateway's own JWKS refresh landed ${((Date.now() - since.at) / 1000).toFixed(1)} s after the change, before this request: the answer is the post-refresh one`];
      out.failures = [];
      out.pass = out.actual.status === (status === 200 ? 401 : 200);
    } else if (now === undefined) {
      out.failures.push('if the gateway refreshed its JWKS between the change and this request this is expected; re-run the lab to see the window');
    }
  }
  return out;
}

/** Wait (or force) until the region's gateway gives `status` for `token`; returns the outcome and seconds since `from`. */
async function afterRefresh(ctx: LabContext, name: string, token: string, status: 200 | 401, from: number, housekeeping = false): Promise<StepOutcome> {
  // --natural-refresh measures the gateway's own timer; restoring the baseline never needs to wait for it.
  const forced = (housekeeping || !ctx.naturalRefresh) && (await ctx.jwks.refreshNow(ctx.region));
  const interval = await ctx.jwks.intervalSeconds(ctx.region);
  const deadline = Date.now() + (interval + 15) * 1000;
  let out: StepOutcome;
  for (;;) {
    out = await ctx.gateway(probe(name, status), token);
    if (out.actual.status === status || Date.now() > deadline) break;
    await ctx.sleep(500);
  }
  const gap = (Date.now() - from) / 1000;
  out.notes = [
    forced
      ? `${gap.toFixed(1)} s after the change, with the refresh forced by the lab (unforced it takes up to ${interval} s; --natural-refresh waits for it)`
      : `observed gap: ${gap.toFixed(1)} s after the change (refresh interval ${interval} s)`,
  ];
  return out;
}

async function perRegion<T>(ctx: MultiRegionContext, f: (c: LabContext, r: Region) => Promise<T>): Promise<Map<Region, T>> {
  return new Map(await Promise.all(ctx.regions.map(async (r) => [r, await f(ctx.forRegion(r), r)] as const)));
}

/** Put the realm's keys back as the realm file has them and make every gateway hold them again. */
async function restore(ctx: MultiRegionContext, admin: KeyAdmin, original: KeyProvider | undefined, oldToken: string): Promise<void> {
  // The original key first: with no active RS256 key at all Keycloak would invent a fallback one.
  const now = original && (await admin.listKeyProviders(REALM)).find((p) => p.id === original.id);
  if (now && (!now.active || !now.enabled)) await admin.setProviderState(REALM, now.id, { active: true, enabled: true });
  for (const p of await admin.listKeyProviders(REALM)) {
    if (p.name.startsWith(ROTATION_PREFIX)) await admin.deleteProvider(REALM, p.id);
  }
  // Later runs (and labs) need the gateways to hold the original key again.
  await perRegion(ctx, async (c) => {
    const back = await afterRefresh(c, 'baseline restored: the original key verifies again', oldToken, 200, Date.now(), true);
    if (!back.pass) ctx.note(`${c.region}: after restoring the keys the old token still gets ${back.actual.status} ${back.actual.body ?? ''}; run npm run lab:reset`);
  });
}

async function runAcrossRegions(ctx: MultiRegionContext): Promise<Partial<Record<Region, StepOutcome[]>>> {
  const admin = await ctx.admin();
  const c0 = ctx.forRegion(ctx.regions[0]!);
  const oldToken = await c0.token({ kind: 'password', ...DEMO });
  const oldKid = String(decodeJwt(oldToken).header.kid);
  const signing = (await admin.listKeyProviders(REALM)).filter((p) => p.algorithm === 'RS256' || p.providerId.startsWith('rsa'));
  const leftovers = signing.filter((p) => p.name.startsWith(ROTATION_PREFIX));
  const original = signing.find((p) => !p.name.startsWith(ROTATION_PREFIX) && (p.providerId === 'rsa' || p.providerId === 'rsa-generated'));
  if (!original) throw new Error(`realm ${REALM} has no RSA key provider to rotate`);
  if (leftovers.length || !original.active || !original.enabled) {
    ctx.note('a previous rotation was not cleaned up; restoring the baseline first');
    await restore(ctx, admin, original, oldToken);
  }
  const steps = new Map<Region, StepOutcome[]>(ctx.regions.map((r) => [r, []]));
  const add = (m: Map<Region, StepOutcome>) => m.forEach((o, r) => steps.get(r)!.push(o));

  try {
    // 1. A new key with higher priority signs new tokens; the old one becomes passive.
    // Where the target allows it, restart each gateway's refresh clock so its own
    // timer cannot land inside the window the lab is about to show.
    if (!c0.naturalRefresh) await perRegion(ctx, (c) => c.jwks.refreshNow(c.region, { restartTimer: true }));
    let added: KeyProvider | undefined;
    const rotated = await change(ctx, async () => {
      added = await admin.addRsaGeneratedProvider(REALM, { priority: original.priority + 100, name: `${ROTATION_PREFIX}${Date.now()}` });
      await admin.setProviderState(REALM, original.id, { active: false });
    });
    const newToken = await c0.token({ kind: 'password', ...DEMO, fresh: true });
    const newKid = String(decodeJwt(newToken).header.kid);
    ctx.note(`added ${added!.name} (priority ${added!.priority}); ${original.name} is passive. old kid ${oldKid}, new kid ${newKid}`);
    if (newKid === oldKid) throw new Error('Keycloak still signs with the old key after the rotation');

    add(await perRegion(ctx, (c) => beforeRefresh(c, 'new token, before the gateway re-fetched JWKS', newToken, 401, rotated)));
    add(await perRegion(ctx, (c) => c.gateway(probe('old token, its key now passive', 200), oldToken)));
    add(await perRegion(ctx, (c) => afterRefresh(c, 'new token, after the gateway re-fetched JWKS', newToken, 200, rotated.at)));

    // 2. Disable the old key: it leaves JWKS, and tokens it signed die at the next refresh.
    const disabled = await change(ctx, () => admin.setProviderState(REALM, original.id, { enabled: false }));
    add(await perRegion(ctx, (c) => beforeRefresh(c, 'old token, key disabled, before the next refresh', oldToken, 200, disabled)));
    add(await perRegion(ctx, (c) => afterRefresh(c, 'old token, after the next refresh', oldToken, 401, disabled.at)));
  } finally {
    await restore(ctx, admin, original, oldToken);
  }
  return Object.fromEntries(steps);
}

export const keyRotation: LabDefinition = {
  id: 'key-rotation',
  title: 'Signing-key rotation: the gap between Keycloak and the gateway\'s JWKS',
  targets: { kind: true, local: true },
  regions: 'each',
  headline: { status: 401, body: KID_MISMATCH },
  runAcrossRegions,
  explain: `Through Keycloak's admin API the lab adds an rsa-generated key provider with a higher priority
than the realm's key and makes the old key passive. From that moment Keycloak signs with the new
key, but the gateways still hold the JWKS they fetched earlier: istiod (or the local gateway)
fetches it on an interval and inlines the keys, it does not look them up per request. So a token
signed a second ago fails with "Jwks doesn't have key to match kid or alg from Jwt" (a new kid
they have never seen) while old tokens keep passing, since a passive key is still published. After
the next refresh both pass. Disabling the old key takes it out of JWKS, and old tokens start
failing, again only once the gateway re-fetches. That window is why a rotation publishes the new
key first and only later makes it active, and keeps the old one until its last token has expired.
The chapter's "refreshes every 5 minutes" is not Istio's default: istiod's
PILOT_JWT_PUB_KEY_REFRESH_INTERVAL is 20 minutes (this lab sets 30 s). The lab restores the
realm's original keys when it is done.`,
  facts: [
    FACTS.kcRotationAdd,
    FACTS.kcRotationPassive,
    FACTS.kcRotationDisable,
    FACTS.jwksRefresh,
    { ref: 'chapter-errata.md', section: 'item 9', quote: 'istiod fetches and inlines JWKS and refreshes every **20 minutes** by default', errata: 9, chapterSaid: '"Istio\'s JWKS cache refreshes every 5 minutes"' },
  ],
};
