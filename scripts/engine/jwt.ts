// Jwt::parseFromString from google/jwt_verify_lib (src/jwt.cc): the checks that
// happen before jwt_authn even looks at the issuer, in the same order, with the
// same first-failure status. Time checks (verifyTimeConstraint) are separate.
import { decodeBase64Url } from './base64url.js';
import type { JwtStatusName } from './status.js';

/** Algorithms jwt_verify_lib implements; anything else (e.g. "none") fails parsing. */
export const IMPLEMENTED_ALGS = new Set([
  'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA',
]);

export interface ParsedJwt {
  raw: string;
  headerB64: string;
  /** The payload segment exactly as sent (outputPayloadToHeader forwards this). */
  payloadB64: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  alg: string;
  kid: string;
  iss: string;
  sub: string;
  /** 0 when absent, like jwt_verify_lib. */
  exp: number;
  nbf: number;
  iat: number;
  audiences: string[];
  signature: Buffer;
}

export type ParseResult = { ok: true; jwt: ParsedJwt } | { ok: false; status: JwtStatusName };

function parseJsonObject(buf: Buffer): Record<string, unknown> | undefined {
  try {
    // protobuf's JsonStringToMessage into a Struct: only a JSON object parses.
    const v: unknown = JSON.parse(buf.toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    return v as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

type Field<T> = { kind: 'missing' } | { kind: 'wrong' } | { kind: 'ok'; value: T };

function stringField(obj: Record<string, unknown>, name: string): Field<string> {
  if (!Object.prototype.hasOwnProperty.call(obj, name)) return { kind: 'missing' };
  const v = obj[name];
  return typeof v === 'string' ? { kind: 'ok', value: v } : { kind: 'wrong' };
}

function numberField(obj: Record<string, unknown>, name: string): Field<number> {
  if (!Object.prototype.hasOwnProperty.call(obj, name)) return { kind: 'missing' };
  const v = obj[name];
  // Struct keeps numbers as doubles; the library truncates them to integers.
  return typeof v === 'number' && Number.isFinite(v) ? { kind: 'ok', value: Math.trunc(v) } : { kind: 'wrong' };
}

export function parseJwt(token: string): ParseResult {
  const fail = (status: JwtStatusName): ParseResult => ({ ok: false, status });
  // Exactly two dots, and three non-empty sections (absl::SkipEmpty).
  if ((token.match(/\./g) ?? []).length !== 2) return fail('JwtBadFormat');
  const parts = token.split('.').filter((p) => p.length > 0);
  if (parts.length !== 3) return fail('JwtBadFormat');
  const [headerB64, payloadB64, sigB64] = parts as [string, string, string];

  const headerBytes = decodeBase64Url(headerB64);
  if (!headerBytes) return fail('JwtHeaderParseErrorBadBase64');
  const header = parseJsonObject(headerBytes);
  if (!header) return fail('JwtHeaderParseErrorBadJson');
  const alg = stringField(header, 'alg');
  if (alg.kind !== 'ok') return fail('JwtHeaderBadAlg');
  if (!IMPLEMENTED_ALGS.has(alg.value)) return fail('JwtHeaderNotImplementedAlg');
  const kid = stringField(header, 'kid');
  if (kid.kind === 'wrong') return fail('JwtHeaderBadKid');

  const payloadBytes = decodeBase64Url(payloadB64);
  if (!payloadBytes) return fail('JwtPayloadParseErrorBadBase64');
  const payload = parseJsonObject(payloadBytes);
  if (!payload) return fail('JwtPayloadParseErrorBadJson');
  const iss = stringField(payload, 'iss');
  if (iss.kind === 'wrong') return fail('JwtPayloadParseErrorIssNotString');
  const sub = stringField(payload, 'sub');
  if (sub.kind === 'wrong') return fail('JwtPayloadParseErrorSubNotString');
  const iat = numberField(payload, 'iat');
  if (iat.kind === 'wrong') return fail('JwtPayloadParseErrorIatNotInteger');
  const nbf = numberField(payload, 'nbf');
  if (nbf.kind === 'wrong') return fail('JwtPayloadParseErrorNbfNotInteger');
  const exp = numberField(payload, 'exp');
  if (exp.kind === 'wrong') return fail('JwtPayloadParseErrorExpNotInteger');
  const jti = stringField(payload, 'jti');
  if (jti.kind === 'wrong') return fail('JwtPayloadParseErrorJtiNotString');

  let audiences: string[] = [];
  if (Object.prototype.hasOwnProperty.call(payload, 'aud')) {
    const aud = payload.aud;
    if (typeof aud === 'string') audiences = [aud];
    else if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) audiences = aud as string[];
    else return fail('JwtPayloadParseErrorAudNotString');
  }

  const signature = decodeBase64Url(sigB64);
  if (!signature) return fail('JwtSignatureParseErrorBadBase64');

  return {
    ok: true,
    jwt: {
      raw: token,
      headerB64,
      payloadB64,
      header,
      payload,
      alg: alg.value,
      kid: kid.kind === 'ok' ? kid.value : '',
      iss: iss.kind === 'ok' ? iss.value : '',
      sub: sub.kind === 'ok' ? sub.value : '',
      exp: exp.kind === 'ok' ? exp.value : 0,
      nbf: nbf.kind === 'ok' ? nbf.value : 0,
      iat: iat.kind === 'ok' ? iat.value : 0,
      audiences,
      signature,
    },
  };
}

/** Jwt::verifyTimeConstraint: nbf first, then exp (exp 0 = never expires). */
export function checkTime(jwt: ParsedJwt, now: number, skew: number): JwtStatusName | undefined {
  if (now + skew < jwt.nbf) return 'JwtNotYetValid';
  if (jwt.exp && now > jwt.exp + skew) return 'JwtExpired';
  return undefined;
}

/** CheckAudience: scheme prefix and trailing slash are ignored on both sides. */
export function sanitizeAudience(aud: string): string {
  if (!aud) return aud;
  let s = aud;
  if (s.startsWith('http://')) s = s.slice(7);
  else if (s.startsWith('https://')) s = s.slice(8);
  if (s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

export function audiencesAllowed(configured: string[], tokenAudiences: string[]): boolean {
  if (configured.length === 0) return true;
  const allowed = new Set(configured.map(sanitizeAudience));
  return tokenAudiences.some((a) => allowed.has(sanitizeAudience(a)));
}
