// A break scenario: one real misconfiguration, the symptom real Istio shows
// for it, how `lab doctor` names it, and how to undo it.
import type { LabConfig, Region } from '../../core/config.js';
import type { LabServices } from '../services.js';

export const SCENARIO_IDS = [
  'issuer-mismatch',
  'audience-mismatch',
  'jwks-unreachable',
  'requestauthentication-without-authorizationpolicy',
  'rotation-gap',
  'deny-all-shadowing',
  'notvalues-empty',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface ScenarioContext {
  cfg: LabConfig;
  lab: LabServices;
  variant?: string;
  /** Defaults to every region of the config: policies are replicated everywhere. */
  regions?: Region[];
}

export interface BreakOutcome {
  /** What was changed, one line each. */
  lines: string[];
  /** notvalues-empty: the platform refused the change; this is its message. */
  rejected?: string;
}

/** The token a probe sends. */
export type ProbeToken = 'none' | 'demo' | 'expired';

export interface Probe {
  what: string;
  path: string;
  token: ProbeToken;
  expect: { status: number; body: string | null };
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** What gets misconfigured, in words. */
  change: string;
  /** What the learner sees. */
  symptom: string;
  /** What to look for, and the right configuration. */
  lesson: string;
  variants?: string[];
  break(ctx: ScenarioContext): Promise<BreakOutcome>;
  fix(ctx: ScenarioContext): Promise<string[]>;
  /** The requests that show the symptom while the break is in place. */
  probes: Probe[];
  /** How to ask doctor about it, and what its output must name. */
  doctor: { token: ProbeToken; path: string; cause: RegExp };
}
