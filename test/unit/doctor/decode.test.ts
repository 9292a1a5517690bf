import { describe, expect, it } from 'vitest';
import { audList, decodeForDisplay, shorten } from '../../../scripts/doctor/decode.js';

const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('decodeForDisplay', () => {
  it('reads header and claims, stripping a Bearer prefix', () => {
    const t = `${enc({ alg: 'RS256', kid: 'k1' })}.${enc({ iss: 'x', aud: ['a', 'b'] })}.sig`;
    const d = decodeForDisplay(`Bearer ${t}`);
    expect(d.header).toEqual({ alg: 'RS256', kid: 'k1' });
    expect(d.claims).toEqual({ iss: 'x', aud: ['a', 'b'] });
    expect(d.problems).toEqual([]);
    expect(audList(d.claims)).toEqual(['a', 'b']);
  });

  it('reports each unreadable part instead of throwing', () => {
    expect(decodeForDisplay('abc').problems).toEqual(['has 1 dot-separated part(s), a JWS needs 3']);
    const d = decodeForDisplay(`!!.${Buffer.from('nope').toString('base64url')}.x`);
    expect(d.problems).toEqual(['header is not base64url', 'payload is not JSON']);
  });

  it('normalises aud and shortens tokens', () => {
    expect(audList({ aud: 'account' })).toEqual(['account']);
    expect(audList({})).toEqual([]);
    expect(shorten('a'.repeat(100))).toHaveLength(21);
  });
});
