// Human output of `lab lint`: one block per finding, grouped by file.
import type { LintReport } from './types.js';

export function formatReport(report: LintReport): string {
  const lines: string[] = [];
  const byFile = new Map<string, LintReport['findings']>();
  for (const f of report.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, findings] of byFile) {
    lines.push(file);
    for (const f of findings) {
      lines.push(`  ${f.severity === 'error' ? '✖ error' : '! warning'} [${f.rule}] ${f.object} · ${f.field}`);
      lines.push(`    ${f.message}`);
      lines.push(`    at run time: ${f.runtime}`);
      lines.push(`    fix: ${f.fix}`);
    }
    lines.push('');
  }
  const summary = `${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'} in ${report.files.length} file${report.files.length === 1 ? '' : 's'}`;
  lines.push(report.errors === 0 ? `✔ ${summary}` : `✖ ${summary}`);
  return lines.join('\n');
}
