import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../../scripts/core/config.js';
import { STEPS } from '../../../scripts/tutorial/steps/index.js';

const local = makeConfig({ target: 'local', env: { LAB_PORT_OFFSET: '4800' } });
const kind = makeConfig({ target: 'kind', env: {} });

describe('tutorial steps', () => {
  it('follow the chapter: hands-on 1-7 then exercises 1-5, unique ids', () => {
    expect(STEPS.map((s) => s.source)).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => `Hands-on ${n}`),
      ...[1, 2, 3, 4, 5].map((n) => `Exercise ${n}`),
    ]);
    expect(new Set(STEPS.map((s) => s.id)).size).toBe(STEPS.length);
    for (const s of STEPS) {
      expect(s.explain(local).join(' ').length, s.id).toBeGreaterThan(150);
      expect(s.commands(kind).length, s.id).toBeGreaterThan(0);
      expect(s.hints.length, s.id).toBeGreaterThan(0);
    }
  });

  it('skips exactly the kind-only steps on local, with a reason, and none on kind', () => {
    const skipped = STEPS.filter((s) => s.unsupported?.(local)).map((s) => s.id);
    expect(skipped).toEqual(['irsa-serviceaccount', 'exercise-2-irsa-diagnosis']);
    for (const s of STEPS) expect(s.unsupported?.(kind), s.id).toBeUndefined();
    for (const id of skipped) expect(STEPS.find((s) => s.id === id)!.unsupported!(local)).toMatch(/kind/);
  });

  it('local commands never call kubectl or helm, and use the shifted ports', () => {
    for (const s of STEPS.filter((x) => !x.unsupported?.(local))) {
      const text = s.commands(local).join('\n');
      expect(text, s.id).not.toMatch(/\b(kubectl|helm)\b/);
      expect(text, s.id).not.toMatch(/localhost:8443\b|localhost:8090\b/);
      expect(text, s.id).not.toMatch(/--target kind/);
    }
    expect(STEPS.find((s) => s.id === 'curl-test')!.commands(local).join('\n')).toContain('https://localhost:13243/api/books');
  });

  it('teaches every erratum the lab corrects', () => {
    const all = STEPS.flatMap((s) => [...s.explain(local), ...(s.errata ?? [])]).join('\n');
    for (const fact of [
      /403 "RBAC: access denied"/,
      /"aud": "account"/,
      /notValues: \[""\]/,
      /deny-all that matches everything/,
      /Envoy's default is 60 s/,
      /20 minutes by default/,
      /PILOT_JWT_PUB_KEY_REFRESH_INTERVAL/,
      /bitnamilegacy/,
      /expired token is refused with 401/,
      /wrong audience is already 403/,
      /Jwt issuer is not configured/,
    ]) {
      expect(all).toMatch(fact);
    }
  });
});
