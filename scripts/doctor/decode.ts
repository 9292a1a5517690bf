// Shows what is inside a token, for people. This is display only: it never
// decides anything (the engine does), so it is tolerant and reports each part
// it could not read instead of throwing.

export interface DecodedToken {
  raw: string;
  parts: number;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** Problems reading the token, in the order a verifier would hit them. */
  problems: string[];
}

function b64urlJson(part: string): { value?: Record<string, unknown>; error?: string } {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(part)) return { error: 'not base64url' };
  let text: string;
  try {
    text = Buffer.from(part, 'base64url').toString('utf8');
  } catch {
    return { error: 'not base64url' };
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return { error: 'JSON but not an object' };
    return { value: v as Record<string, unknown> };
  } catch {
    return { error: 'not JSON' };
  }
}

export function decodeForDisplay(token: string): DecodedToken {
  const raw = token.trim().replace(/^Bearer\s+/, '');
  const segs = raw.split('.');
  const out: DecodedToken = { raw, parts: segs.length, problems: [] };
  if (segs.length !== 3) {
    out.problems.push(`has ${segs.length} dot-separated part(s), a JWS needs 3`);
    if (segs.length < 2) return out;
  }
  const h = b64urlJson(segs[0]!);
  if (h.value) out.header = h.value;
  else out.problems.push(`header is ${h.error}`);
  const p = b64urlJson(segs[1]!);
  if (p.value) out.claims = p.value;
  else out.problems.push(`payload is ${p.error}`);
  return out;
}

/** `aud` is a string or an array of strings in JWT; normalise for comparison and display. */
export function audList(claims: Record<string, unknown> | undefined): string[] {
  const aud = claims?.aud;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/** A token shortened for a terminal: enough to recognise, useless to steal. */
export function shorten(token: string): string {
  return token.length <= 24 ? token : `${token.slice(0, 12)}…${token.slice(-8)}`;
}
