// Runs the planned steps: lanes (host images, each region, Keycloak) side by
// side with listr2, steps inside a lane in order, cross-lane `after` edges
// honoured. Each step first checks the real state and skips with a reason
// when it already holds, so a re-run makes no change and a failed or
// interrupted run resumes where it stopped.
import { Listr, PRESET_TIMER, type ListrTask } from 'listr2';
import { isLabError } from '../../core/errors.js';
import { CommandFailed, run as runTool } from '../../core/proc.js';
import type { KindRun, Lane, Step } from './step.js';
import { Interrupted } from './wait.js';

export type StepStatus = 'done' | 'skipped' | 'failed' | 'not-run' | 'interrupted';

export interface StepResult {
  id: string;
  region: string | null;
  title: string;
  status: StepStatus;
  reason?: string;
  error?: string;
  fix?: string;
  command: string[];
  ms: number;
}

export type Renderer = 'default' | 'simple' | 'silent';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // observed by dependants, if any
  return { promise, resolve, reject };
}

export function laneTitle(lane: Lane): string {
  if (lane === 'host') return 'images (host)';
  if (lane === 'keycloak') return 'keycloak (us-east)';
  return lane;
}

class Blocked extends Error {}

function describe(e: unknown): { error: string; fix?: string } {
  if (isLabError(e)) return { error: `${e.what}: ${e.why}`, fix: e.fix };
  if (e instanceof CommandFailed) return { error: e.message };
  return { error: (e as Error)?.message ?? String(e) };
}

export async function executeSteps(steps: Step[], run: KindRun, renderer: Renderer): Promise<StepResult[]> {
  const done = new Map(steps.map((s) => [s.id, deferred()] as const));
  const results = new Map<string, StepResult>();
  const lanes = new Map<Lane, Step[]>();
  for (const s of steps) lanes.set(s.lane, [...(lanes.get(s.lane) ?? []), s]);
  // Plain lines carry their lane, since nothing nests them visually.
  const prefix = (lane: Lane) => (renderer === 'default' ? '' : `${laneTitle(lane)} › `);

  const record = (s: Step, r: Omit<StepResult, 'id' | 'region' | 'command' | 'title'>) => {
    results.set(s.id, { id: s.id, region: s.region, title: s.title(run), command: s.command(run), ...r });
  };

  const stepTask = (s: Step, laneState: { failed: boolean; mark(): void }): ListrTask => ({
    title: prefix(s.lane) + s.title(run),
    task: async (_ctx, task) => {
      const started = Date.now();
      const gate = done.get(s.id)!;
      if (laneState.failed || run.signal.aborted) {
        const status: StepStatus = run.signal.aborted ? 'interrupted' : 'not-run';
        const reason = run.signal.aborted ? 'interrupted' : 'an earlier step in this lane failed';
        record(s, { status, reason, ms: 0 });
        gate.reject(new Blocked(`${s.id} did not run`));
        task.skip(reason);
        return;
      }
      try {
        for (const dep of s.after ?? []) {
          task.output = `waiting for ${dep}`;
          await done.get(dep)!.promise.catch(() => {
            throw new Blocked(`it needs "${dep}", which did not finish`);
          });
        }
        if (run.signal.aborted) throw new Interrupted();
        task.title = prefix(s.lane) + s.title(run); // run-time facts may have filled placeholders
        const io = { progress: (m: string) => (task.output = m) };
        await s.prepare?.(run);
        const skip = await s.check?.(run, io);
        if (skip) {
          record(s, { status: 'skipped', reason: skip, ms: Date.now() - started });
          gate.resolve();
          task.skip(skip);
          return;
        }
        if (run.signal.aborted) throw new Interrupted();
        if (s.exec) await s.exec(run, io);
        else await runTool(s.command(run), { input: s.stdin ? await s.stdin(run) : undefined });
        record(s, { status: 'done', ms: Date.now() - started });
        gate.resolve();
      } catch (e) {
        laneState.failed = true;
        laneState.mark();
        const interrupted = run.signal.aborted || e instanceof Interrupted;
        const d = describe(e);
        record(s, {
          status: interrupted ? 'interrupted' : e instanceof Blocked ? 'not-run' : 'failed',
          ms: Date.now() - started,
          ...(interrupted ? { reason: 'interrupted' } : d),
        });
        gate.reject(e instanceof Error ? e : new Error(String(e)));
        throw new Error(interrupted ? 'interrupted' : d.error);
      }
    },
  });

  const laneTasks: ListrTask[] = [...lanes.entries()].map(([lane, laneSteps]) => {
    return {
      title: laneTitle(lane),
      task: (_ctx, task) => {
        const laneState = { failed: false, mark: () => (task.title = `${laneTitle(lane)} (stopped at a failed step)`) };
        return task.newListr(
          laneSteps.map((s) => stepTask(s, laneState)),
          { concurrent: false, exitOnError: false },
        );
      },
    };
  });

  const listr = new Listr(laneTasks, {
    concurrent: true,
    exitOnError: false,
    registerSignalListeners: false,
    collectErrors: 'minimal',
    renderer,
    fallbackRenderer: 'simple',
    rendererOptions: { collapseSubtasks: false, collapseSkips: false, timer: PRESET_TIMER },
    fallbackRendererOptions: { timer: PRESET_TIMER },
  });
  await listr.run().catch(() => undefined);
  return steps.map(
    (s) =>
      results.get(s.id) ?? { id: s.id, region: s.region, title: s.title(run), command: s.command(run), status: 'not-run', reason: 'not reached', ms: 0 },
  );
}
