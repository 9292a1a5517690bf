// exp / nbf / iat against "now", with Envoy's 60 s clock skew, described for a
// person. The verdict that counts comes from the engine's trace; this explains
// the numbers behind it (how far past exp, how far inside the skew).
import { CLOCK_SKEW_SECONDS } from '../core/config.js';

export interface TimeCheck {
  claim: 'exp' | 'nbf' | 'iat';
  value?: number;
  ok: boolean;
  detail: string;
}

function iso(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
}

function numeric(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function timeChecks(claims: Record<string, unknown>, now: number, skew = CLOCK_SKEW_SECONDS): TimeCheck[] {
  const out: TimeCheck[] = [];
  const exp = numeric(claims.exp);
  if (claims.exp === undefined) out.push({ claim: 'exp', ok: true, detail: 'absent (Envoy does not require exp)' });
  else if (exp === undefined) out.push({ claim: 'exp', ok: false, detail: `not a number (${JSON.stringify(claims.exp)})` });
  else {
    const d = Math.round(now - exp);
    if (d <= 0) out.push({ claim: 'exp', value: exp, ok: true, detail: `${iso(exp)}, valid for ${-d} s more` });
    else if (d <= skew) {
      out.push({ claim: 'exp', value: exp, ok: true, detail: `${iso(exp)}, expired ${d} s ago but inside the ${skew} s clock skew: still accepted` });
    } else {
      out.push({ claim: 'exp', value: exp, ok: false, detail: `${iso(exp)}, expired ${d} s ago, beyond the ${skew} s clock skew: "Jwt is expired"` });
    }
  }
  const nbf = numeric(claims.nbf);
  if (claims.nbf === undefined) out.push({ claim: 'nbf', ok: true, detail: 'absent' });
  else if (nbf === undefined) out.push({ claim: 'nbf', ok: false, detail: `not a number (${JSON.stringify(claims.nbf)})` });
  else {
    const ahead = Math.round(nbf - now);
    if (ahead <= 0) out.push({ claim: 'nbf', value: nbf, ok: true, detail: `${iso(nbf)}, already reached` });
    else if (ahead <= skew) out.push({ claim: 'nbf', value: nbf, ok: true, detail: `${iso(nbf)}, ${ahead} s ahead but inside the ${skew} s skew` });
    else out.push({ claim: 'nbf', value: nbf, ok: false, detail: `${iso(nbf)}, ${ahead} s in the future, beyond the ${skew} s skew: "Jwt not yet valid"` });
  }
  const iat = numeric(claims.iat);
  if (iat !== undefined) {
    const ahead = Math.round(iat - now);
    out.push({
      claim: 'iat',
      value: iat,
      ok: true,
      detail: `${iso(iat)}${ahead > 0 ? `, ${ahead} s in the future` : ''} (informational: Envoy does not check iat)`,
    });
  }
  return out;
}
