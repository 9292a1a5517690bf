// Token locations, as Envoy's extractor finds them.
import { describe, expect, it } from 'vitest';
import { buildExtractor, extractTokens } from '../../../scripts/engine/extract.js';
import { HeaderMap } from '../../../scripts/engine/headers.js';
import type { JwtRuleSpec } from '../../../scripts/engine/policies.js';

const rule = (o: Partial<JwtRuleSpec> = {}): JwtRuleSpec => ({
  issuer: 'iss',
  audiences: [],
  fromHeaders: [],
  fromParams: [],
  fromCookies: [],
  outputClaimToHeaders: [],
  forwardOriginalToken: false,
  ...o,
});
const tokens = (r: JwtRuleSpec[], headers: Record<string, string | string[]>, path = '/') =>
  extractTokens(buildExtractor(r), HeaderMap.from(headers), path).map((t) => `${t.kind}:${t.name}:${t.token}`);

describe('default locations', () => {
  it('Authorization with "Bearer " anywhere in the value, token to the end of the value', () => {
    expect(tokens([rule()], { authorization: 'Bearer a.b.c' })).toEqual(['header:authorization:a.b.c']);
    expect(tokens([rule()], { authorization: 'xyz Bearer a.b.c' })).toEqual(['header:authorization:a.b.c']);
    // Since envoy#28678 the rest of the value is kept: trailing junk breaks the token.
    expect(tokens([rule()], { authorization: 'Bearer a.b.c junk' })).toEqual(['header:authorization:a.b.c junk']);
    // Characters that cannot start a JWT are skipped after the prefix.
    expect(tokens([rule()], { authorization: 'Bearer   "a.b.c' })).toEqual(['header:authorization:a.b.c']);
  });
  it('prefix is case-sensitive; without it there is no token', () => {
    expect(tokens([rule()], { authorization: 'bearer a.b.c' })).toEqual([]);
    expect(tokens([rule()], { authorization: 'a.b.c' })).toEqual([]);
    expect(tokens([rule()], { authorization: 'Basic dXNlcjpwYXNz' })).toEqual([]);
  });
  it('"Bearer " with nothing usable after it yields the whole value as the token', () => {
    expect(tokens([rule()], { authorization: 'Bearer ' })).toEqual(['header:authorization:Bearer ']);
  });
  it('query parameter access_token (decoded), headers first', () => {
    expect(tokens([rule()], { authorization: 'Bearer h.h.h' }, '/x?a=1&access_token=q.q.q')).toEqual([
      'header:authorization:h.h.h',
      'param:access_token:q.q.q',
    ]);
    expect(tokens([rule()], {}, '/x?access_token=a%2Eb.c')).toEqual(['param:access_token:a.b.c']);
  });
  it('every value of a repeated Authorization header is a token', () => {
    expect(tokens([rule()], { authorization: ['Bearer one.a.b', 'Bearer two.a.b'] })).toHaveLength(2);
  });
});

describe('fromHeaders / fromParams / fromCookies', () => {
  const custom = rule({ fromHeaders: [{ name: 'X-Jwt-Token', prefix: 'Value ' }], fromParams: ['token'] });
  it('replace the defaults', () => {
    expect(tokens([custom], { authorization: 'Bearer a.b.c' }, '/?access_token=a.b.c')).toEqual([]);
    expect(tokens([custom], { 'x-jwt-token': 'Value a.b.c' }, '/?token=d.e.f')).toEqual(['header:x-jwt-token:a.b.c', 'param:token:d.e.f']);
  });
  it('a header location with an empty prefix takes the whole value', () => {
    expect(tokens([rule({ fromHeaders: [{ name: 'x-token', prefix: '' }] })], { 'x-token': ' a.b.c' })).toEqual(['header:x-token: a.b.c']);
  });
  it('cookies', () => {
    expect(tokens([rule({ fromCookies: ['session'] })], { cookie: 'a=1; session=a.b.c' })).toEqual(['cookie:session:a.b.c']);
  });
  it('locations are ordered by name (std::map), params after headers', () => {
    const r = rule({ fromHeaders: [{ name: 'z-tok', prefix: '' }, { name: 'a-tok', prefix: '' }], fromParams: ['token', 'secondary_token'] });
    expect(tokens([r], { 'z-tok': 'z', 'a-tok': 'a' }, '/?token=t&secondary_token=s')).toEqual([
      'header:a-tok:a',
      'header:z-tok:z',
      'param:secondary_token:s',
      'param:token:t',
    ]);
  });
});
