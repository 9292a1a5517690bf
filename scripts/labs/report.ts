// What `npm run labs` prints: a table (one row per lab and region), then per
// lab the commands to re-run, what happened and why, and the fact behind it.
import { describeAnswer } from './compare.js';
import type { Fact, LabDefinition, LabResult } from './types.js';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const mark = (r: LabResult) => (r.skipped ? 'skip' : r.pass ? 'PASS' : 'FAIL');

export function formatTable(results: LabResult[]): string {
  const rows = results.map((r) => [
    r.id,
    r.region,
    describeAnswer(r.expected),
    r.skipped ? `(skipped)` : describeAnswer(r.actual, r.actual.status === r.expected.status && r.pass ? r.expected.body : undefined),
    mark(r),
  ]);
  const head = ['lab', 'region', 'expected', 'got', 'pass'];
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((row) => row[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatFact(f: Fact): string {
  if (f.errata) return `chapter-errata.md item ${f.errata}: the chapter says ${f.chapterSaid}; in fact: "${f.quote}"`;
  return `${f.ref} § ${f.section}: "${f.quote}"`;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');
}

export function formatDetails(results: LabResult[], labs: LabDefinition[]): string {
  const out: string[] = [];
  for (const lab of labs) {
    const rows = results.filter((r) => r.id === lab.id);
    if (rows.length === 0) continue;
    out.push('', `── ${lab.id}: ${lab.title}`);
    // Notes of a lab that acted once for all regions (key-rotation) are printed once.
    const sharedNotes = rows.length > 1 && rows.every((r) => JSON.stringify(r.notes) === JSON.stringify(rows[0]!.notes)) && rows[0]!.notes.length > 0;
    for (const r of rows) {
      if (r.skipped) {
        out.push(`  ${r.region}: skipped. ${r.reason}`);
        continue;
      }
      if (r.error) {
        out.push(`  ${r.region}: FAIL, the lab could not run: ${r.error}`);
        continue;
      }
      out.push(`  ${r.region}: ${r.pass ? 'PASS' : 'FAIL'} (${r.durationMs} ms)`);
      for (const s of r.steps) {
        out.push(`    ${s.pass ? '✔' : '✘'} ${s.name}: expected ${describeAnswer(s.expected)}, got ${describeAnswer(s.actual, s.pass ? s.expected.body : undefined)}`);
        if (s.command) out.push(`      $ ${s.command}`);
        if (s.tokenPreview) out.push(`      token ${s.tokenPreview}${s.tokenFile ? ' (full token in the file above)' : ''}`);
        for (const n of s.notes ?? []) out.push(`      · ${n}`);
        for (const f of s.failures) out.push(`      ✘ ${f}`);
      }
      if (!sharedNotes) for (const n of r.notes) out.push(`    · ${n}`);
    }
    if (sharedNotes) for (const n of rows[0]!.notes) out.push(`  · ${n}`);
    out.push('  why:', indent(lab.explain, '    '));
    out.push('  fact:', ...lab.facts.map((f) => `    ${formatFact(f)}`));
  }
  return out.join('\n');
}

export function summaryLine(results: LabResult[], wallMs: number): string {
  const ran = results.filter((r) => !r.skipped);
  const failed = ran.filter((r) => !r.pass);
  const skipped = results.length - ran.length;
  return `${ran.length - failed.length}/${ran.length} passed${failed.length ? `, ${failed.length} FAILED (${[...new Set(failed.map((f) => f.id))].join(', ')})` : ''}${skipped ? `, ${skipped} skipped` : ''} in ${(wallMs / 1000).toFixed(1)} s`;
}

/** The --json rows: the contract other tools read. */
export function toJson(results: LabResult[]): unknown[] {
  return results.map((r) =>
    r.skipped
      ? { id: r.id, region: r.region, expected: r.expected, actual: null, pass: null, durationMs: 0, skipped: true, reason: r.reason }
      : {
          id: r.id,
          region: r.region,
          expected: r.expected,
          actual: r.actual,
          pass: r.pass,
          durationMs: r.durationMs,
          ...(r.error ? { error: r.error } : {}),
          steps: r.steps.map((s) => ({
            name: s.name,
            expected: s.expected,
            actual: s.actual,
            pass: s.pass,
            ...(s.failures.length ? { failures: s.failures } : {}),
            ...(s.notes?.length ? { notes: s.notes } : {}),
            ...(s.command ? { command: s.command } : {}),
          })),
          ...(r.notes.length ? { notes: r.notes } : {}),
        },
  );
}
