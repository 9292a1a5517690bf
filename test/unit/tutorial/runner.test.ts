import { beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProgress } from '../../../scripts/tutorial/progress.js';
import { listSteps, walk, type TutorialIO } from '../../../scripts/tutorial/runner.js';
import type { TutorialStep } from '../../../scripts/tutorial/types.js';
import { FakeLab } from './fakes.js';

let env: NodeJS.ProcessEnv;
beforeEach(() => {
  env = { LAB_STATE_DIR: mkdtempSync(join(tmpdir(), 'lab-f-run-')) };
});

function step(id: string, opts: { pass?: () => boolean; kindOnly?: boolean } = {}): TutorialStep {
  return {
    id,
    source: 'Test',
    title: `step ${id}`,
    explain: () => [`explains ${id}`],
    errata: [`the chapter is wrong about ${id}`],
    unsupported: opts.kindOnly ? (cfg) => (cfg.target === 'local' ? 'kind only here' : undefined) : undefined,
    commands: () => [`echo run-${id}`],
    verify: async () => {
      const ok = opts.pass ? opts.pass() : true;
      return { ok, lines: [`${ok ? '✓' : '✗'} ${id} checked`], hints: ok ? [] : [`hint for ${id}`] };
    },
    hints: [`general hint ${id}`],
  };
}

function scripted(answers: string[]): TutorialIO & { text: () => string; copied: string[] } {
  const out: string[] = [];
  const copied: string[] = [];
  return {
    out: (t) => out.push(t),
    ask: async (p) => {
      out.push(p);
      return answers.shift();
    },
    copy: (t) => copied.push(t),
    text: () => out.join('\n'),
    copied,
  };
}

const runs: string[][] = [];
const runCommands = async (lines: string[]) => {
  runs.push(lines);
  return { exitCode: 0, output: lines.map((l) => l.replace('echo ', '')).join('\n') };
};

describe('walk --yes', () => {
  it('runs every step\'s commands and check, skips kind-only steps on local with the reason', async () => {
    const fake = new FakeLab();
    const io = scripted([]);
    const steps = [step('a'), step('b', { kindOnly: true }), step('c')];
    runs.length = 0;
    const code = await walk({ steps, cfg: fake.cfg, lab: fake.services(), io, yes: true, start: 0, env, runCommands });
    expect(code).toBe(0);
    expect(runs).toEqual([['echo run-a'], ['echo run-c']]);
    expect(io.text()).toContain('Skipped on the local target: kind only here');
    expect(io.text()).toContain('Where the chapter is wrong');
    const p = loadProgress(env);
    expect(Object.keys(p.passed)).toEqual(['a', 'c']);
    expect(p.skipped).toEqual({ b: 'kind only here' });
    expect(listSteps(steps, fake.cfg, p)).toMatch(/✓  1\.[\s\S]*–  2\.[\s\S]*kind only[\s\S]*✓  3\./);
  });

  it('stops non-zero at the first failed check, with hints, and does not run later steps', async () => {
    const fake = new FakeLab();
    const io = scripted([]);
    runs.length = 0;
    const code = await walk({ steps: [step('a'), step('b', { pass: () => false }), step('c')], cfg: fake.cfg, lab: fake.services(), io, yes: true, start: 0, env, runCommands });
    expect(code).toBe(1);
    expect(runs).toHaveLength(2);
    expect(io.text()).toMatch(/Check: FAILED[\s\S]*hint for b[\s\S]*general hint b[\s\S]*--step 2/);
    expect(Object.keys(loadProgress(env).passed)).toEqual(['a']);
  });

  it('--step N --only runs one step', async () => {
    const fake = new FakeLab();
    runs.length = 0;
    await walk({ steps: [step('a'), step('b'), step('c')], cfg: fake.cfg, lab: fake.services(), io: scripted([]), yes: true, start: 1, only: true, env, runCommands });
    expect(runs).toEqual([['echo run-b']]);
  });
});

describe('walk interactive (scripted stdin)', () => {
  it('Enter runs the commands and checks; a failed check waits; c copies; q saves and quits', async () => {
    const fake = new FakeLab();
    let attempts = 0;
    const io = scripted(['', 'c', '', 'q']);
    runs.length = 0;
    const steps = [step('a'), step('b', { pass: () => ++attempts > 1 }), step('c')];
    const code = await walk({ steps, cfg: fake.cfg, lab: fake.services(), io, yes: false, start: 0, env, runCommands });
    expect(code).toBe(0);
    // a: Enter -> run + pass. b: c (copy), Enter -> run + fail, ... answers run out at q
    expect(io.copied).toEqual(['echo run-b']);
    expect(io.text()).toContain('Progress saved. Continue with: npm run tutorial');
    expect(Object.keys(loadProgress(env).passed)).toEqual(['a']);
  });

  it('after a failure Enter re-checks without re-running; s skips; EOF quits cleanly', async () => {
    const fake = new FakeLab();
    let attempts = 0;
    const io = scripted(['', '', 's']);
    runs.length = 0;
    const steps = [step('a', { pass: () => ++attempts > 1 }), step('b')];
    await walk({ steps, cfg: fake.cfg, lab: fake.services(), io, yes: false, start: 0, env, runCommands });
    // first Enter ran + failed, second Enter only re-checked and passed; b was skipped; then EOF
    expect(runs).toEqual([['echo run-a']]);
    const p = loadProgress(env);
    expect(Object.keys(p.passed)).toEqual(['a']);
    expect(p.skipped).toEqual({ b: 'skipped by the learner' });
  });
});
