// Renders a DoctorReport for a terminal: sections in the order the gateway
// checks things, a caret under the first differing issuer character, then the
// prediction, the cause and (after sending) what the gateway really said.
import { CLOCK_SKEW_SECONDS } from '../core/config.js';
import type { DoctorReport } from './diagnose.js';
import { shorten } from './decode.js';
import { caretLines } from './issuer-diff.js';

const ok = (b: boolean | undefined) => (b === undefined ? '?' : b ? '✓' : '✗');

function iso(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
}

/** The claims the gateway and the policies look at, in full; the rest by name only. */
const SHOWN_CLAIMS = ['iss', 'sub', 'aud', 'azp', 'tenant', 'preferred_username', 'exp', 'nbf', 'iat'];

function claimLines(claims: Record<string, unknown>, all: boolean): string[] {
  const keys = all ? [...SHOWN_CLAIMS.filter((k) => k in claims), ...Object.keys(claims).filter((k) => !SHOWN_CLAIMS.includes(k)).sort()] : SHOWN_CLAIMS.filter((k) => k in claims);
  const width = Math.max(...keys.map((k) => k.length), 3);
  const lines = keys.map((k) => {
    const v = claims[k];
    const shown = ['exp', 'nbf', 'iat'].includes(k) && typeof v === 'number' ? `${v} (${iso(v)})` : JSON.stringify(v);
    return `    ${k.padEnd(width)}  ${shown && shown.length > 120 ? `${shown.slice(0, 117)}...` : shown}`;
  });
  const rest = Object.keys(claims).filter((k) => !keys.includes(k)).sort();
  if (rest.length) lines.push(`    (also: ${rest.join(', ')}; --all-claims shows them)`);
  return lines;
}

export function formatReport(r: DoctorReport, now: number, opts: { allClaims?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`lab doctor · ${r.target} target · region ${r.region} · ${r.request.method} ${r.request.path}`);
  out.push(`  policies: ${r.policySource}`);
  if (r.key) out.push(`  keys:     ${r.key.source}`);
  out.push('');

  if (!r.token) {
    out.push('Token: none sent (a request without a token passes jwt_authn; only the AuthorizationPolicies can refuse it)');
  } else {
    out.push(`Token ${shorten(r.token.raw)}`);
    for (const p of r.token.problems) out.push(`  ✗ ${p}`);
    if (r.token.header) out.push(`  header  ${JSON.stringify(r.token.header)}`);
    if (r.token.claims) {
      out.push('  claims');
      out.push(...claimLines(r.token.claims, opts.allClaims ?? false));
    }
    out.push('');

    out.push('Issuer (compared byte for byte with each jwtRule)');
    const iss = typeof r.token.claims?.iss === 'string' ? (r.token.claims.iss as string) : undefined;
    if (!r.rules.length) out.push('  no RequestAuthentication selects the gateway: tokens are not inspected at all');
    for (const rule of r.rules) {
      const label = `jwtRule[${rule.index}] ${rule.policy}`;
      if (iss === undefined) {
        out.push(`  ✗ ${label}: the token has no iss`);
        continue;
      }
      out.push(`  ${ok(rule.issuerDiff?.equal)} ${label}${rule.issuerDiff?.equal ? ': equal' : ''}`);
      if (!rule.issuerDiff?.equal) {
        out.push(...caretLines(['token iss', 'rule issuer'], [iss, rule.issuer], '      '));
        for (const k of rule.issuerDiff?.kinds ?? []) out.push(`      ${k}`);
      }
    }
    out.push('');

    if (r.audience) {
      out.push('Audience');
      const a = r.audience;
      out.push(
        a.accepted.length === 0
          ? '  ✓ the jwtRule lists no audiences: aud is not checked'
          : `  ${ok(a.ok)} aud ${JSON.stringify(a.aud)} vs audiences ${JSON.stringify(a.accepted)}${a.ok ? `: shares ${a.aud.filter((x) => a.accepted.includes(x)).join(', ')}` : ': no value in common (403 "Audiences in Jwt are not allowed")'}`,
      );
      out.push('');
    }

    if (r.times.length) {
      out.push(`Time (now ${iso(now)}, clock skew ${CLOCK_SKEW_SECONDS} s)`);
      for (const t of r.times) out.push(`  ${ok(t.ok)} ${t.claim.padEnd(3)} ${t.detail}`);
      out.push('');
    }

    if (r.key) {
      const k = r.key;
      const kid = r.token.header?.kid;
      out.push(`Signing key (kid ${kid === undefined ? '(none)' : JSON.stringify(kid)}, alg ${JSON.stringify(r.token.header?.alg)})`);
      if (k.held === false && k.heldKids.length === 0) {
        out.push(`  ✗ the gateway holds NO keys for ${k.jwksKey}${k.fetchError ? `: ${k.fetchError}` : ''} (istiod inlines a fake key)`);
      } else {
        out.push(`  ${ok(k.held)} in the JWKS the gateway holds now${k.fetchedAt ? ` (fetched ${Math.max(0, Math.round(now - k.fetchedAt / 1000))} s ago)` : ''}: ${k.heldKids.join(', ') || 'none'}`);
      }
      if (k.publishedKids) out.push(`  ${ok(k.published)} in what the issuer publishes now: ${k.publishedKids.join(', ') || 'none'}`);
      else out.push('  ? what the issuer publishes now could not be read from here');
      out.push('');
    }
  }

  if (r.rejected) {
    out.push('Last policy change');
    out.push(`  ✗ refused at ${r.rejected.at} (${r.rejected.object}): ${r.rejected.message}`);
    out.push('');
  }

  out.push('Engine trace (the same engine the gateway runs)');
  for (const t of r.engine.trace) out.push(`  ${t.ok ? '✓' : '✗'} ${t.stage.padEnd(9)} ${t.check.padEnd(9)} ${t.detail}`);
  if (r.engine.matchedPolicy) {
    const m = r.engine.matchedPolicy;
    out.push(`  decided by ${m.action} policy ${m.namespace}/${m.name} rule ${m.ruleIndex}`);
  }
  out.push('');

  const pred = r.prediction.upstream ? 'allowed: the backend answers (200 from the catalog)' : `${r.prediction.status} ${r.prediction.body}`;
  out.push(`Prediction: ${pred}`);
  for (const c of r.causes) out.push(`${r.prediction.upstream ? 'Why' : 'Cause'}: ${c}`);
  if (r.actual) {
    if (r.actual.error) out.push(`Actual: could not send the request: ${r.actual.error}`);
    else {
      const body = r.actual.status >= 400 ? ` ${r.actual.body.trim()}` : '';
      out.push(`Actual: ${r.actual.status}${body}  ${r.actual.matches ? '✓ matches the prediction' : '✗ DIFFERS from the prediction'}`);
    }
  }
  return out.join('\n');
}

/** Does the gateway's answer match the prediction? (2xx counts as "the backend answered".) */
export function matchesPrediction(r: DoctorReport, status: number, body: string): boolean {
  if (r.prediction.upstream) return status >= 200 && status < 300;
  return status === r.prediction.status && body.trim() === (r.prediction.body ?? '');
}
