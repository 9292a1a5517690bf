// curl, the way a learner types it. The labs send every gateway request
// through the real binary so the command they print is the one that ran.
import { readFileSync } from 'node:fs';
import { run } from '../core/proc.js';
import { LabError } from '../core/errors.js';

export interface CurlRequest {
  url: string;
  method?: string;
  /** Header name -> value. */
  headers?: Record<string, string>;
  /** Where curl writes the response body (-o). */
  bodyFile: string;
  /** Where curl writes the response headers (-D). */
  headersFile?: string;
  /** -k: the lab's gateway certificate is self-signed. Default true. */
  insecure?: boolean;
  timeoutSeconds?: number;
}

export interface CurlResponse {
  status: number;
  body: string;
  /** Lower-case names; only when headersFile was given. */
  headers: Record<string, string>;
  argv: string[];
  durationMs: number;
}

/** The argv run for a request. */
export function curlArgv(req: CurlRequest): string[] {
  const argv = ['curl', '-sS'];
  if (req.insecure !== false) argv.push('-k');
  if (req.method === 'HEAD') argv.push('-I');
  else if (req.method && req.method !== 'GET') argv.push('-X', req.method);
  argv.push('-o', req.bodyFile);
  if (req.headersFile) argv.push('-D', req.headersFile);
  argv.push('-w', '%{http_code}', '--max-time', String(req.timeoutSeconds ?? 15));
  for (const [name, value] of Object.entries(req.headers ?? {})) argv.push('-H', `${name}: ${value}`);
  argv.push(req.url);
  return argv;
}

/** Parse a -D dump: the last response's headers (curl may print interim 100s). */
export function parseHeaderDump(dump: string): Record<string, string> {
  const blocks = dump.split(/\r?\n\r?\n/).filter((b) => b.trim());
  const last = blocks[blocks.length - 1] ?? '';
  const out: Record<string, string> = {};
  for (const line of last.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

export async function curl(req: CurlRequest): Promise<CurlResponse> {
  const argv = curlArgv(req);
  const r = await run(argv, { reject: false, timeoutMs: ((req.timeoutSeconds ?? 15) + 5) * 1000 });
  if (r.exitCode !== 0) {
    const why = r.exitCode === 127 ? 'curl is not installed' : `curl exited ${r.exitCode}: ${r.stderr.trim() || 'no message'}`;
    const fix = r.exitCode === 127 ? 'sudo apt-get install -y curl' : 'npm run lab:status   (start the lab with `npm run lab:up` if it is down)';
    throw new LabError(`request to ${req.url} failed`, why, fix);
  }
  const status = Number(r.stdout.trim());
  let body = '';
  try {
    body = readFileSync(req.bodyFile, 'utf8');
  } catch {
    // HEAD and some errors leave no body file.
  }
  let headers: Record<string, string> = {};
  if (req.headersFile) {
    try {
      headers = parseHeaderDump(readFileSync(req.headersFile, 'utf8'));
    } catch {
      headers = {};
    }
  }
  return { status, body, headers, argv, durationMs: r.durationMs };
}

/** POSIX shell quoting for display. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_\-./:=@%+,]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command a learner copies: same request, body and status on the
 * terminal, the token read from its file instead of pasted.
 */
export function displayCommand(req: Omit<CurlRequest, 'bodyFile' | 'headersFile'>, tokenFile?: string): string {
  const parts = ['curl', '-sk'];
  if (req.method === 'HEAD') parts.push('-I');
  else if (req.method && req.method !== 'GET') parts.push('-X', req.method);
  parts.push('-w', shellQuote('\\nHTTP %{http_code}\\n'));
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (tokenFile && name.toLowerCase() === 'authorization') {
      // Double quotes so the shell expands $(cat ...).
      parts.push('-H', `"Authorization: Bearer $(cat ${tokenFile})"`);
    } else parts.push('-H', shellQuote(`${name}: ${value}`));
  }
  parts.push(req.url);
  return parts.join(' ');
}
