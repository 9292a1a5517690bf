import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clearProgress,
  loadProgress,
  markPassed,
  markSkipped,
  nextStepIndex,
  progressFile,
  saveProgress,
} from '../../../scripts/tutorial/progress.js';

const envFor = () => ({ LAB_STATE_DIR: mkdtempSync(join(tmpdir(), 'tut-')) });

describe('tutorial progress', () => {
  it('round-trips through $LAB_STATE_DIR/tutorial.json', () => {
    const env = envFor();
    expect(progressFile(env)).toBe(join(env.LAB_STATE_DIR, 'tutorial.json'));
    const p = markSkipped(markPassed(loadProgress(env), 'install-istio'), 'irsa-sa', 'kind only');
    saveProgress(p, env);
    const back = loadProgress(env);
    expect(back.passed).toHaveProperty('install-istio');
    expect(back.skipped).toEqual({ 'irsa-sa': 'kind only' });
    expect(JSON.parse(readFileSync(progressFile(env), 'utf8')).version).toBe(1);
  });

  it('treats a corrupt file as no progress and clears only when asked', () => {
    const env = envFor();
    writeFileSync(progressFile(env), '{not json');
    expect(loadProgress(env).passed).toEqual({});
    expect(clearProgress(env)).toBe(true);
    expect(clearProgress(env)).toBe(false);
  });

  it('finds the next step that neither passed nor was skipped', () => {
    const ids = ['a', 'b', 'c'];
    let p = loadProgress(envFor());
    expect(nextStepIndex(p, ids)).toBe(0);
    p = markPassed(p, 'a');
    p = markSkipped(p, 'b', 'kind only');
    expect(nextStepIndex(p, ids)).toBe(2);
    p = markPassed(p, 'c');
    expect(nextStepIndex(p, ids)).toBe(3);
    // passing a step that was skipped earlier removes the skip
    expect(markPassed(p, 'b').skipped).toEqual({});
  });
});
