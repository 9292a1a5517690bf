import { describe, expect, it } from 'vitest';
import { timeChecks } from '../../../scripts/doctor/time-window.js';

const NOW = 1_800_000_000;
const byClaim = (claims: Record<string, unknown>) =>
  Object.fromEntries(timeChecks(claims, NOW).map((c) => [c.claim, c]));

describe('timeChecks', () => {
  it('accepts a token that expired 30 s ago (inside the 60 s skew) and says why', () => {
    const c = byClaim({ exp: NOW - 30 });
    expect(c.exp!.ok).toBe(true);
    expect(c.exp!.detail).toMatch(/expired 30 s ago but inside the 60 s clock skew/);
  });

  it('refuses exp beyond the skew with Envoy\'s wording, and the boundary is inclusive', () => {
    expect(byClaim({ exp: NOW - 61 }).exp!).toMatchObject({ ok: false });
    expect(byClaim({ exp: NOW - 61 }).exp!.detail).toMatch(/"Jwt is expired"/);
    expect(byClaim({ exp: NOW - 60 }).exp!.ok).toBe(true);
  });

  it('handles nbf in the future, inside and beyond the skew', () => {
    expect(byClaim({ nbf: NOW + 30 }).nbf!.ok).toBe(true);
    const far = byClaim({ nbf: NOW + 120 }).nbf!;
    expect(far.ok).toBe(false);
    expect(far.detail).toMatch(/"Jwt not yet valid"/);
  });

  it('flags non-numeric times and reports iat as informational only', () => {
    const c = byClaim({ exp: '1800000000', iat: NOW + 500 });
    expect(c.exp!.ok).toBe(false);
    expect(c.iat!.ok).toBe(true);
    expect(c.iat!.detail).toMatch(/Envoy does not check iat/);
  });

  it('does not require exp', () => {
    expect(byClaim({}).exp!).toMatchObject({ ok: true });
  });
});
