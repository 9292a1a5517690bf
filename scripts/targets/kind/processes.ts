// Processes the kind lab started (port-forwards and the like) leave a pid file
// in $LAB_STATE_DIR/kind/pids: `{ "pid": 123, "command": "kubectl port-forward …" }`
// or a bare number. `lab:down` stops each one, after checking the pid still
// belongs to that command (pids get reused).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../core/proc.js';

export interface PidRecord {
  file: string;
  pid: number;
  command?: string;
}

export function readPidFiles(dir: string): PidRecord[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .flatMap((f) => {
      const file = join(dir, f);
      const raw = readFileSync(file, 'utf8').trim();
      try {
        const parsed = JSON.parse(raw) as number | { pid: number; command?: string };
        return typeof parsed === 'number' ? [{ file, pid: parsed }] : [{ file, pid: parsed.pid, command: parsed.command }];
      } catch {
        return [];
      }
    })
    .filter((p) => Number.isInteger(p.pid) && p.pid > 1);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line, or undefined when it is gone (or a zombie nobody reaped). */
async function commandOf(pid: number): Promise<string | undefined> {
  const r = await run(['ps', '-o', 'stat=,command=', '-p', String(pid)], { reject: false });
  if (r.exitCode !== 0) return undefined;
  const m = /^\s*(\S+)\s+(.*)$/s.exec(r.stdout.trim());
  if (!m || m[1]!.startsWith('Z')) return undefined;
  return m[2]!.trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stop one recorded process (its whole group when it leads one). Returns what happened. */
export async function stopRecorded(p: PidRecord): Promise<string> {
  const cmd = await commandOf(p.pid);
  if (!cmd || !alive(p.pid)) {
    rmSync(p.file, { force: true });
    return `pid ${p.pid} already gone`;
  }
  if (p.command && !cmd.includes(p.command.split(' ')[0]!)) {
    rmSync(p.file, { force: true });
    return `pid ${p.pid} is now "${cmd.slice(0, 60)}", not ours; left alone`;
  }
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-p.pid, sig); // detached children lead their own group
    } catch {
      try {
        process.kill(p.pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  const running = async () => alive(p.pid) && (await commandOf(p.pid)) !== undefined;
  for (let i = 0; i < 50 && (await running()); i++) await sleep(100);
  if (await running()) signal('SIGKILL');
  rmSync(p.file, { force: true });
  return `stopped pid ${p.pid}${p.command ? ` (${p.command})` : ''}`;
}
