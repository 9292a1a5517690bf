// What a preflight check reports: what is wrong, why it matters for the lab,
// and the exact command that fixes it. Failures stop `lab:up` before it
// creates anything; warnings are printed and the run goes on.
import { LabError } from '../core/errors.js';

export interface Problem {
  what: string;
  why: string;
  fix: string;
}

export interface CheckOutcome {
  name: string;
  status: 'ok' | 'fail' | 'warn' | 'skip';
  detail: string;
  problem?: Problem;
}

export class PreflightFailed extends LabError {
  constructor(readonly problems: Problem[], readonly outcomes: CheckOutcome[]) {
    super(
      `preflight failed (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was created`,
      problems.map((p) => `${p.what}: ${p.why}`).join('; '),
      problems.map((p) => p.fix).join('\n'),
      1,
    );
  }

  override format(): string {
    const lines = [`✖ preflight failed: nothing was created`];
    for (const p of this.problems) lines.push(`  ✖ ${p.what}`, `    why: ${p.why}`, `    fix: ${p.fix}`);
    return lines.join('\n');
  }

  override toJSON() {
    return { ...super.toJSON(), problems: this.problems, checks: this.outcomes };
  }
}
