// The only module that spawns processes. Tool wrappers call `run`; tests swap
// the runner with `setRunner` (unit tests) or put stand-in executables first
// on PATH (fake-toolchain tests), so nothing else needs mocking.
import { execa } from 'execa';
import { openSync, closeSync } from 'node:fs';
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** When false a non-zero exit is returned, not thrown. Default true. */
  reject?: boolean;
}

export interface RunResult {
  command: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface DetachedOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** stdout and stderr go here; the child outlives the CLI. */
  logFile: string;
}

export interface Runner {
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
  /** Start a long-running process in its own process group; returns its pid. */
  spawnDetached(argv: string[], opts: DetachedOptions): number;
}

export class CommandFailed extends Error {
  constructor(readonly result: RunResult) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-8).join('\n');
    super(`\`${result.command.join(' ')}\` exited ${result.exitCode}${tail ? `:\n${tail}` : ''}`);
  }
}

export const execaRunner: Runner = {
  async run(argv, opts = {}) {
    const [file, ...args] = argv;
    if (!file) throw new Error('run: empty command');
    const started = Date.now();
    const res = await execa(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      input: opts.input,
      timeout: opts.timeoutMs,
      reject: false,
      stripFinalNewline: false,
    });
    const result: RunResult = {
      command: argv,
      // A missing binary has no exit code; 127 is what a shell would say.
      exitCode: typeof res.exitCode === 'number' ? res.exitCode : 127,
      stdout: String(res.stdout ?? ''),
      stderr: String(res.stderr ?? (res.failed && res.exitCode === undefined ? res.shortMessage : '')),
      durationMs: Date.now() - started,
    };
    if (opts.reject !== false && result.exitCode !== 0) throw new CommandFailed(result);
    return result;
  },
  spawnDetached(argv, opts) {
    const [file, ...args] = argv;
    if (!file) throw new Error('spawnDetached: empty command');
    const fd = openSync(opts.logFile, 'a', 0o600);
    try {
      const child = spawn(file, args, {
        cwd: opts.cwd,
        env: opts.env as NodeJS.ProcessEnv | undefined,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      if (child.pid === undefined) throw new Error(`could not start ${file}`);
      child.unref();
      return child.pid;
    } finally {
      closeSync(fd);
    }
  },
};

let current: Runner = execaRunner;

export function setRunner(r: Runner): void {
  current = r;
}
export function resetRunner(): void {
  current = execaRunner;
}
export function run(argv: string[], opts?: RunOptions): Promise<RunResult> {
  return current.run(argv, opts);
}
export function spawnDetached(argv: string[], opts: DetachedOptions): number {
  return current.spawnDetached(argv, opts);
}
/** True when the command exists and exits 0. */
export async function succeeds(argv: string[], opts?: RunOptions): Promise<boolean> {
  const r = await run(argv, { ...opts, reject: false });
  return r.exitCode === 0;
}
