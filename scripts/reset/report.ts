// Timed steps for reset, printed as they finish; --json gets the same list.
import { info, printJson } from '../core/log.js';

export interface ResetStep {
  what: string;
  ms: number;
  detail?: string;
}

export class ResetReport {
  readonly steps: ResetStep[] = [];
  private readonly started = Date.now();

  constructor(private readonly quiet: boolean) {}

  async time<T>(what: string, fn: () => Promise<T>, detail?: (v: T) => string | undefined): Promise<T> {
    const t = Date.now();
    const v = await fn();
    const step = { what, ms: Date.now() - t, detail: detail?.(v) };
    this.steps.push(step);
    if (!this.quiet) info(`  ✓ ${what} (${(step.ms / 1000).toFixed(1)} s)${step.detail ? `: ${step.detail}` : ''}`);
    return v;
  }

  totalMs(): number {
    return Date.now() - this.started;
  }

  finish(target: string, json: boolean, extra: Record<string, unknown> = {}): void {
    const totalMs = this.totalMs();
    if (json) printJson({ target, ok: true, totalMs, steps: this.steps, ...extra });
    else info(`lab:reset done in ${(totalMs / 1000).toFixed(1)} s: the ${target} lab is back to its baseline`);
  }
}
