// JUnit XML for CI dashboards: one testcase per lab and region.
import { describeAnswer } from './compare.js';
import type { LabResult } from './types.js';

export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // XML 1.0 cannot carry most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

export function toJunit(results: LabResult[], opts: { target: string; suiteName?: string; wallMs?: number }): string {
  const failures = results.filter((r) => !r.skipped && !r.pass).length;
  const skipped = results.filter((r) => r.skipped).length;
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const name = opts.suiteName ?? `labs (${opts.target})`;
  const cases = results.map((r) => {
    const open = `    <testcase classname="labs.${xmlEscape(opts.target)}.${xmlEscape(r.region)}" name="${xmlEscape(r.id)}" time="${secs(r.durationMs)}"`;
    if (r.skipped) return `${open}>\n      <skipped message="${xmlEscape(r.reason ?? '')}"/>\n    </testcase>`;
    if (r.pass) return `${open}/>`;
    const message = r.error ?? `expected ${describeAnswer(r.expected)}, got ${describeAnswer(r.actual)}`;
    const detail = r.steps
      .map((s) => `${s.pass ? 'ok' : 'FAIL'} ${s.name}: expected ${describeAnswer(s.expected)}, got ${describeAnswer(s.actual)}${s.failures.map((f) => `\n  - ${f}`).join('')}${s.command ? `\n  $ ${s.command}` : ''}`)
      .join('\n');
    return `${open}>\n      <failure message="${xmlEscape(message)}" type="LabFailure">${xmlEscape(detail || message)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="bookstore-auth-lab" tests="${results.length}" failures="${failures}" skipped="${skipped}" time="${secs(opts.wallMs ?? 0)}">`,
    `  <testsuite name="${xmlEscape(name)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(opts.wallMs ?? 0)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
