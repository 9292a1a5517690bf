// Small pieces the steps share: URLs and shell lines for the learner's
// commands, and comparisons that turn an observation into a check line.
import { KEYCLOAK_REGION, gatewayUrl, keycloakPublicUrl, kubeContext, type LabConfig, type Region } from '../../core/config.js';
import type { GatewayAnswer } from '../services.js';
import type { CheckResult } from '../types.js';

export const mainRegion = (cfg: LabConfig): Region => cfg.regions[0]!;
export const gw = (cfg: LabConfig, region: Region = mainRegion(cfg)) => gatewayUrl(cfg, region, 'https');
export const kc = (cfg: LabConfig) => keycloakPublicUrl(cfg);
export const ctx = (region: Region = KEYCLOAK_REGION) => kubeContext(region);

/** `npm run -s <script> -- <args>` with the target spelled out, so a copied line works on its own. */
export function npmLab(cfg: LabConfig, script: 'lab' | 'tutorial' | 'labs', args: string[]): string {
  if (script === 'labs') return ['npm run -s labs --', `--target ${cfg.target}`, ...args].join(' ');
  return ['npm run -s', script, '--', ...args, `--target ${cfg.target}`].join(' ');
}

export const tokenCmd = (cfg: LabConfig, user = 'demo-user', client = 'admin-portal', realm?: string) =>
  `$(${npmLab(cfg, 'tutorial', ['token', `--user ${user}`, `--client ${client}`, ...(realm ? [`--realm ${realm}`] : [])])})`;

/** curl printing the status and Envoy's body (bodies of denials are one line). */
export function curlLine(cfg: LabConfig, path: string, tokenVar?: string, region?: Region): string {
  const auth = tokenVar ? ` -H "Authorization: Bearer $${tokenVar}"` : '';
  return `curl -sk${auth} -w ' -> %{http_code}\\n' ${gw(cfg, region)}${path}`;
}

/** Same, status only (for 200s whose body is a page of JSON). */
export function curlStatusLine(cfg: LabConfig, path: string, tokenVar?: string, region?: Region): string {
  const auth = tokenVar ? ` -H "Authorization: Bearer $${tokenVar}"` : '';
  return `curl -sk -o /dev/null${auth} -w '%{http_code}\\n' ${gw(cfg, region)}${path}`;
}

/** Prints the claims of the JWT in $<var>, like the chapter's `cut | base64 -d | jq`, with node. */
export const decodeLine = (tokenVar: string) =>
  `node -e 'console.log(JSON.stringify(JSON.parse(Buffer.from(process.argv[1].split(".")[1], "base64url")), null, 2))' "$${tokenVar}"`;

export function answerLine(what: string, ans: GatewayAnswer, status: number, body?: string | null): { ok: boolean; line: string } {
  const bodyOk = body === undefined || body === null || ans.body === body;
  const ok = ans.status === status && bodyOk;
  const got = `${ans.status}${ans.status >= 400 ? ` "${ans.body.trim().slice(0, 80)}"` : ''}`;
  const want = `${status}${body ? ` "${body}"` : ''}`;
  return { ok, line: `${ok ? '✓' : '✗'} ${what}: expected ${want}, got ${got}` };
}

/** Collects check lines; the result is ok only when every line was. */
export class Checks {
  readonly lines: string[] = [];
  readonly hints: string[] = [];
  private failed = false;
  add(r: { ok: boolean; line: string }, hint?: string): boolean {
    this.lines.push(r.line);
    if (!r.ok) {
      this.failed = true;
      if (hint) this.hints.push(hint);
    }
    return r.ok;
  }
  that(ok: boolean, what: string, saw: string, hint?: string): boolean {
    return this.add({ ok, line: `${ok ? '✓' : '✗'} ${what}: ${saw}` }, hint);
  }
  note(line: string): void {
    this.lines.push(`  ${line}`);
  }
  fail(line: string, hint?: string): false {
    this.add({ ok: false, line: `✗ ${line}` }, hint);
    return false;
  }
  result(): CheckResult {
    return { ok: !this.failed && this.lines.length > 0, lines: this.lines, hints: this.hints };
  }
}

/** Run a check body; an exception (Keycloak down, gateway down) is a failed check with its message. */
export async function guarded(body: (c: Checks) => Promise<void>): Promise<CheckResult> {
  const c = new Checks();
  try {
    await body(c);
  } catch (e) {
    const err = e as Error & { fix?: string };
    c.fail(`check could not run: ${err.message}`, err.fix ? `fix: ${err.fix}` : 'is the lab up? npm run lab:status');
  }
  return c.result();
}
