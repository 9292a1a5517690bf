// Walks the steps. Interactive: show the text and commands, run them on
// Enter (or let the learner copy them), then the verify check gates the next
// step, with hints on failure. Non-interactive (--yes): run every step's
// commands and check, stop with a non-zero exit at the first failed check.
import { REPO_ROOT } from '../core/paths.js';
import { run } from '../core/proc.js';
import type { LabConfig } from '../core/config.js';
import { loadProgress, markPassed, markSkipped, saveProgress, type Progress } from './progress.js';
import type { LabServices } from './services.js';
import type { CheckResult, TutorialStep } from './types.js';
import { mainRegion } from './steps/common.js';

export interface TutorialIO {
  out(text: string): void;
  /** One line of input; undefined when input has ended (EOF). */
  ask(prompt: string): Promise<string | undefined>;
  /** Put text on the clipboard if the terminal allows (OSC 52). */
  copy?(text: string): void;
}

export interface WalkOptions {
  steps: TutorialStep[];
  cfg: LabConfig;
  lab: LabServices;
  io: TutorialIO;
  yes: boolean;
  /** 0-based index to start from. */
  start: number;
  /** Run only the start step. */
  only?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Runs a step's shell lines; replaced in tests. */
  runCommands?: (lines: string[], cfg: LabConfig) => Promise<{ exitCode: number; output: string }>;
}

const RULE = '─'.repeat(72);

function wrap(text: string, width = 76, indent = '  '): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

export function renderStep(step: TutorialStep, index: number, total: number, cfg: LabConfig): string {
  const out: string[] = [RULE, `Step ${index + 1}/${total} · ${step.source} · ${step.title}`, RULE];
  for (const p of step.explain(cfg)) out.push(wrap(p), '');
  if (step.errata?.length) {
    out.push('  Where the chapter is wrong:');
    for (const e of step.errata) out.push(wrap(`• ${e}`, 76, '    ').replace(/^ {4}•/, '    •'), '');
  }
  return out.join('\n');
}

export function renderCommands(step: TutorialStep, cfg: LabConfig): string {
  // No prompt characters in front: the block is meant to be copied as is.
  return ['  Commands (they run together in one shell, so variables carry over):', '', ...step.commands(cfg).map((l) => l.split('\n').map((x) => `    ${x}`).join('\n')), ''].join('\n');
}

export function renderCheck(r: CheckResult, step: TutorialStep): string {
  const out = [`  Check: ${r.ok ? 'passed ✓' : 'FAILED ✗'}`, ...r.lines.map((l) => `    ${l}`)];
  if (!r.ok) {
    const hints = [...(r.hints ?? []), ...step.hints];
    if (hints.length) out.push('  Hints:', ...[...new Set(hints)].map((h) => wrap(`- ${h}`, 76, '    ')));
  }
  return out.join('\n');
}

export async function defaultRunCommands(lines: string[], cfg: LabConfig): Promise<{ exitCode: number; output: string }> {
  const r = await run(['bash', '-c', lines.join('\n')], {
    cwd: REPO_ROOT,
    env: { ...process.env, LAB_TARGET: cfg.target, FORCE_COLOR: '0' },
    reject: false,
    timeoutMs: 10 * 60_000,
  });
  return { exitCode: r.exitCode, output: `${r.stdout}${r.stderr}` };
}

function indent(text: string): string {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => `    │ ${l}`)
    .join('\n');
}

async function runAndShow(step: TutorialStep, o: WalkOptions): Promise<void> {
  const exec = o.runCommands ?? defaultRunCommands;
  o.io.out('  Running…');
  const { exitCode, output } = await exec(step.commands(o.cfg), o.cfg);
  if (output.trim()) o.io.out(indent(output));
  if (exitCode !== 0) o.io.out(`  (the last command exited ${exitCode})`);
}

async function check(step: TutorialStep, o: WalkOptions): Promise<CheckResult> {
  const r = await step.verify({ cfg: o.cfg, region: mainRegion(o.cfg), lab: o.lab });
  o.io.out(renderCheck(r, step));
  return r;
}

/** Returns the exit code: 0 when every visited step passed or was skipped. */
export async function walk(o: WalkOptions): Promise<number> {
  const { steps, io, cfg } = o;
  let progress: Progress = loadProgress(o.env);
  const save = (p: Progress) => {
    progress = p;
    saveProgress(p, o.env);
  };
  const end = o.only ? Math.min(o.start + 1, steps.length) : steps.length;
  for (let i = o.start; i < end; i++) {
    const step = steps[i]!;
    io.out(renderStep(step, i, steps.length, cfg));
    const unsupported = step.unsupported?.(cfg);
    if (unsupported) {
      io.out(`  Skipped on the ${cfg.target} target: ${unsupported}\n`);
      io.out(renderCommands(step, cfg).replace('Commands (they run', 'Commands on kind (they run'));
      save(markSkipped(progress, step.id, unsupported));
      continue;
    }
    io.out(renderCommands(step, cfg));
    if (o.yes) {
      await runAndShow(step, o);
      const r = await check(step, o);
      if (!r.ok) {
        io.out(`\nStopped at step ${i + 1} (${step.id}). Re-run it with: npm run tutorial -- --step ${i + 1}`);
        return 1;
      }
      save(markPassed(progress, step.id));
      continue;
    }
    // Interactive: Enter runs the commands; the check gates the next step.
    let passed = false;
    let ran = false;
    while (!passed) {
      const prompt = ran
        ? '  [Enter] check again · r run the commands again · c copy · s skip · q quit > '
        : '  [Enter] run the commands · v check without running · c copy · s skip · q quit > ';
      const answer = await io.ask(prompt);
      if (answer === undefined || answer.trim() === 'q') {
        io.out(`\nProgress saved. Continue with: npm run tutorial   (or --step ${i + 1})`);
        return 0;
      }
      const a = answer.trim().toLowerCase();
      if (a === 'c') {
        const text = step.commands(cfg).join('\n');
        io.copy?.(text);
        io.out(`\n${text}\n`);
        continue;
      }
      if (a === 's') {
        save(markSkipped(progress, step.id, 'skipped by the learner'));
        break;
      }
      if ((a === '' && !ran) || a === 'r') {
        await runAndShow(step, o);
        ran = true;
      }
      const r = await check(step, o);
      if (r.ok) {
        save(markPassed(progress, step.id));
        passed = true;
      }
    }
  }
  if (end === steps.length) io.out(`\n${RULE}\nThe tutorial is complete. Break things next: npm run tutorial -- break --list\n${RULE}`);
  return 0;
}

/** `--list`: every step with its state on this target. */
export function listSteps(steps: TutorialStep[], cfg: LabConfig, progress: Progress): string {
  const next = steps.findIndex((s) => !(s.id in progress.passed) && !(s.id in progress.skipped));
  return steps
    .map((s, i) => {
      const mark = s.id in progress.passed ? '✓' : s.id in progress.skipped ? '–' : i === next ? '→' : '·';
      const kindOnly = s.unsupported?.(cfg) ? `  (kind only: skipped on ${cfg.target})` : '';
      return `${mark} ${String(i + 1).padStart(2)}. ${s.source.padEnd(11)} ${s.title}${kindOnly}`;
    })
    .join('\n');
}
