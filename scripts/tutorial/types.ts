// The shape of a tutorial step, Killercoda-style: text, commands the learner
// runs (or copies), and a verify check whose result gates the next step.
import type { LabConfig, Region } from '../core/config.js';
import type { LabServices } from './services.js';

export interface CheckResult {
  ok: boolean;
  /** What the check looked at and saw, one line each. */
  lines: string[];
  /** Specific hints for this failure (added to the step's general hints). */
  hints?: string[];
}

export interface StepContext {
  cfg: LabConfig;
  /** The region checks use when one is enough (the first of cfg.regions). */
  region: Region;
  lab: LabServices;
}

export interface TutorialStep {
  id: string;
  /** Where it comes from in the chapter, e.g. "Hands-on 3" or "Exercise 5". */
  source: string;
  title: string;
  /** Why this step matters, in the project's own words. Paragraphs. */
  explain: (cfg: LabConfig) => string[];
  /** Where the chapter's text and the real systems disagree, taught here. */
  errata?: string[];
  /** Why the step cannot run on this target, when it cannot. */
  unsupported?: (cfg: LabConfig) => string | undefined;
  /** Shell lines, run together in one bash (so variables carry), shown for copying. */
  commands: (cfg: LabConfig) => string[];
  verify: (ctx: StepContext) => Promise<CheckResult>;
  hints: string[];
}

/** A small helper for checks that compare one observed value. */
export function expectLine(ok: boolean, what: string, saw: string): { ok: boolean; line: string } {
  return { ok, line: `${ok ? '✓' : '✗'} ${what}: ${saw}` };
}
