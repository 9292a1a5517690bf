// `lab lint`: every check over one set of inputs, in the order a learner
// meets the failures (cannot read -> refused by the API server -> refused by
// istiod -> wrong at run time).
import { admissionFindings } from './admission.js';
import { crossFindings } from './cross.js';
import { engineFindings } from './engine-checks.js';
import { loadInput } from './load.js';
import { realmFindings } from './realm-rules.js';
import { schemaFindings } from './schema.js';
import { secretFindings } from './secrets.js';
import type { Finding, LintInput, LintReport } from './types.js';

export type { Finding, LintReport, LintInput } from './types.js';
export { loadInput } from './load.js';

export async function lintInput(input: LintInput): Promise<LintReport> {
  const all: Finding[] = [
    ...input.readFindings,
    ...(await schemaFindings(input.docs)),
    ...admissionFindings(input.docs),
    ...secretFindings(input),
    ...realmFindings(input.realms),
    ...crossFindings(input.docs, input.realms),
    ...engineFindings(input.docs),
  ];
  // The same fact reached from two policies (or two conditions) is said once.
  const seen = new Set<string>();
  const findings = all.filter((f) => {
    const key = [f.rule, f.file, f.object, f.field, f.message].join('\u0000');
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return {
    findings,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    files: [...new Set(input.raw.map((r) => r.file))],
  };
}

/** Lint files or folders; the shipped manifests/ and realms/ by default. */
export async function lint(opts: { manifests?: string[]; realms?: string[] } = {}): Promise<LintReport> {
  return lintInput(loadInput(opts));
}
