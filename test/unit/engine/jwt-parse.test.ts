// Jwt::parseFromString order and statuses, and the time/audience helpers.
import { describe, expect, it } from 'vitest';
import { audiencesAllowed, checkTime, parseJwt } from '../../../scripts/engine/jwt.js';
import { decodeBase64Url } from '../../../scripts/engine/base64url.js';
import { rawToken } from './helpers.js';

const status = (t: string) => {
  const r = parseJwt(t);
  return r.ok ? 'Ok' : r.status;
};
const H = { alg: 'RS256', kid: 'k' };
const P = { iss: 'i', sub: 's', exp: 2, aud: 'a' };

describe('parseJwt', () => {
  it('accepts a well-formed token and keeps the payload segment as sent', () => {
    const t = rawToken(H, P);
    const r = parseJwt(t);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.jwt.payloadB64).toBe(t.split('.')[1]);
      expect(r.jwt.audiences).toEqual(['a']);
      expect(r.jwt.kid).toBe('k');
    }
  });

  it.each([
    ['two parts', 'a.b', 'JwtBadFormat'],
    ['four parts', 'a.b.c.d', 'JwtBadFormat'],
    ['empty section', 'a..c', 'JwtBadFormat'],
    ['empty token', '', 'JwtBadFormat'],
    ['header with +', 'ab+c.e30.c2ln', 'JwtHeaderParseErrorBadBase64'],
    ['header length 1 mod 4', 'abcde.e30.c2ln', 'JwtHeaderParseErrorBadBase64'],
  ])('%s -> %s', (_n, t, s) => expect(status(t)).toBe(s));

  it('header JSON must be an object with a string alg that is implemented', () => {
    expect(status(rawToken('[1,2]', P))).toBe('JwtHeaderParseErrorBadJson');
    expect(status(rawToken('"str"', P))).toBe('JwtHeaderParseErrorBadJson');
    expect(status(rawToken({ typ: 'JWT' }, P))).toBe('JwtHeaderBadAlg');
    expect(status(rawToken({ alg: 256 }, P))).toBe('JwtHeaderBadAlg');
    expect(status(rawToken({ alg: 'none' }, P))).toBe('JwtHeaderNotImplementedAlg');
    expect(status(rawToken({ alg: 'rs256' }, P))).toBe('JwtHeaderNotImplementedAlg');
    expect(status(rawToken({ alg: 'RS256', kid: 7 }, P))).toBe('JwtHeaderBadKid');
  });

  it('payload fields are type-checked in library order: iss, sub, iat, nbf, exp, jti, aud', () => {
    expect(status(rawToken(H, { ...P, iss: 1 }))).toBe('JwtPayloadParseErrorIssNotString');
    expect(status(rawToken(H, { ...P, sub: ['x'] }))).toBe('JwtPayloadParseErrorSubNotString');
    expect(status(rawToken(H, { ...P, iat: '1' }))).toBe('JwtPayloadParseErrorIatNotInteger');
    expect(status(rawToken(H, { ...P, nbf: true }))).toBe('JwtPayloadParseErrorNbfNotInteger');
    expect(status(rawToken(H, { ...P, exp: '1700000000' }))).toBe('JwtPayloadParseErrorExpNotInteger');
    expect(status(rawToken(H, { ...P, jti: 5 }))).toBe('JwtPayloadParseErrorJtiNotString');
    expect(status(rawToken(H, { ...P, aud: [1] }))).toBe('JwtPayloadParseErrorAudNotString');
    expect(status(rawToken(H, { ...P, aud: { a: 1 } }))).toBe('JwtPayloadParseErrorAudNotString');
    // iss is checked before exp
    expect(status(rawToken(H, { ...P, iss: 1, exp: 'x' }))).toBe('JwtPayloadParseErrorIssNotString');
  });

  it('payload base64/JSON and signature base64 errors', () => {
    expect(status('eyJhbGciOiJSUzI1NiJ9.ab+c.c2ln')).toBe('JwtPayloadParseErrorBadBase64');
    expect(status(rawToken(H, '{not json'))).toBe('JwtPayloadParseErrorBadJson');
    expect(status(rawToken(H, P, undefined, 'si/g'))).toBe('JwtSignatureParseErrorBadBase64');
  });

  it('header errors win over payload errors (header parsed first)', () => {
    expect(status(rawToken({ alg: 'none' }, '{bad'))).toBe('JwtHeaderNotImplementedAlg');
  });

  it('non-integer exp is truncated like static_cast, not rejected', () => {
    const r = parseJwt(rawToken(H, { ...P, exp: 1700000000.9 }));
    expect(r.ok && r.jwt.exp).toBe(1700000000);
  });
});

describe('time and audience checks', () => {
  const jwt = (o: Record<string, unknown>) => {
    const r = parseJwt(rawToken(H, o));
    if (!r.ok) throw new Error(r.status);
    return r.jwt;
  };
  it('nbf is checked before exp; exp 0/absent never expires', () => {
    expect(checkTime(jwt({ nbf: 2000, exp: 10 }), 1000, 60)).toBe('JwtNotYetValid');
    expect(checkTime(jwt({ exp: 0 }), 10 ** 10, 60)).toBeUndefined();
    expect(checkTime(jwt({}), 10 ** 10, 60)).toBeUndefined();
    expect(checkTime(jwt({ exp: 1000 }), 1060, 60)).toBeUndefined();
    expect(checkTime(jwt({ exp: 1000 }), 1061, 60)).toBe('JwtExpired');
  });
  it('audiences ignore a scheme prefix and a trailing slash (CheckAudience)', () => {
    expect(audiencesAllowed(['https://api.example.com/'], ['api.example.com'])).toBe(true);
    expect(audiencesAllowed(['storefront-web'], ['account'])).toBe(false);
    expect(audiencesAllowed([], [])).toBe(true);
    expect(audiencesAllowed(['a'], [])).toBe(false);
  });
});

describe('base64url', () => {
  it('is strict about the alphabet and padding', () => {
    expect(decodeBase64Url('YQ')?.toString()).toBe('a');
    expect(decodeBase64Url('YQ==')?.toString()).toBe('a');
    expect(decodeBase64Url('YQ=')).toBeUndefined();
    expect(decodeBase64Url('Y Q')).toBeUndefined();
    expect(decodeBase64Url('YQ/')).toBeUndefined();
  });
});
