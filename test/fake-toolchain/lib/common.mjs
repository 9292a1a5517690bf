// Shared plumbing of the fake docker/kind/helm/kubectl: one JSON state file
// per test (guarded by a mkdir lock, because three regions call the tools at
// once), an append-only call log, injected failures and a per-call delay.
//
// Environment:
//   FAKE_STATE_DIR      required; state.json, calls.jsonl, servers/ live here
//   FAKE_DELAY_MS       sleep this long in every call (the benchmark)
//   FAKE_SLOW_ON / FAKE_SLOW_MS   …but this long in calls containing this text
//   FAKE_FAIL_ON        fail calls whose "<tool> <args…>" contains this text
//   FAKE_FAIL_TIMES     …this many times (default 1), counted across processes
//   FAKE_DOCKER_DOWN=1  the Docker engine does not answer
//   FAKE_KIND_VERSION / FAKE_HELM_VERSION / FAKE_KUBECTL_VERSION, FAKE_DOCKER_MEM_BYTES
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STATE_DIR = process.env.FAKE_STATE_DIR;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function emptyState() {
  return { images: {}, clusters: {}, failures: {}, ipCounter: 1 };
}

function statePath() {
  return join(STATE_DIR, 'state.json');
}

export function readState() {
  const p = statePath();
  if (!existsSync(p)) return emptyState();
  return JSON.parse(readFileSync(p, 'utf8'));
}

function writeState(s) {
  const p = statePath();
  const tmp = `${p}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 1));
  renameSync(tmp, p); // readers (the node servers) never see half a file
}

async function lock() {
  const dir = join(STATE_DIR, 'lock');
  for (let i = 0; ; i++) {
    try {
      mkdirSync(dir);
      return () => rmdirSync(dir);
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // A holder killed mid-update leaves the lock behind; updates take milliseconds.
      try {
        if (Date.now() - statSync(dir).mtimeMs > 5000) rmdirSync(dir);
      } catch {}
      await sleep(3 + (i % 7));
    }
  }
}

/** Read-modify-write under the lock. `fn` may return a value. */
export async function update(fn) {
  const unlock = await lock();
  try {
    const s = readState();
    const out = fn(s);
    writeState(s);
    return out;
  } finally {
    unlock();
  }
}

export function die(msg, code = 1) {
  process.stderr.write(msg.endsWith('\n') ? msg : msg + '\n');
  process.exit(code);
}

export function out(text) {
  process.stdout.write(text);
}

/** A cluster by kubeconfig context (kind-<name>). */
export function clusterOfContext(state, context) {
  if (!context || !context.startsWith('kind-')) return undefined;
  return state.clusters[context.slice('kind-'.length)];
}

/** Options parser for the fake CLIs: --a b, --a=b, -n b; repeatable keys collect arrays. */
export function parseArgs(args, { bool = [], multi = [], alias = {} } = {}) {
  const flags = {};
  const pos = [];
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    if (a.startsWith('-') && a !== '-') {
      let value;
      const eq = a.indexOf('=');
      if (eq > 0) {
        value = a.slice(eq + 1);
        a = a.slice(0, eq);
      }
      let name = a.replace(/^-+/, '');
      name = alias[name] ?? name;
      if (bool.includes(name)) {
        flags[name] = value === undefined ? true : value !== 'false';
        continue;
      }
      if (value === undefined) value = args[++i];
      if (multi.includes(name)) (flags[name] ??= []).push(value);
      else flags[name] = value;
    } else pos.push(a);
  }
  return { flags, pos };
}

/** Tiny Go-template subset: {{json .}}, {{.Field}}, {{.Label "k"}}. */
export function goTemplate(tmpl, obj) {
  return tmpl
    .replace(/\{\{\s*json \.\s*\}\}/g, () => JSON.stringify(obj))
    .replace(/\{\{\s*\.Label "([^"]+)"\s*\}\}/g, (_, k) => obj.Labels?.[k] ?? '')
    .replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k) => (obj[k] === undefined ? '<no value>' : String(obj[k])));
}

/**
 * Entry point of every fake tool: log the call, maybe fail it, delay it, run it.
 * `impl(args)` returns an exit code (or calls die()).
 */
export async function main(tool, impl) {
  if (!STATE_DIR) die(`fake ${tool}: FAKE_STATE_DIR is not set`, 2);
  mkdirSync(STATE_DIR, { recursive: true });
  const args = process.argv.slice(2);
  const line = `${tool} ${args.join(' ')}`;
  const entry = { tool, args, pid: process.pid, t: Date.now() };
  if (process.env.FAKE_SLOW_ON && line.includes(process.env.FAKE_SLOW_ON)) callDelayMs = Number(process.env.FAKE_SLOW_MS ?? 1000);
  const pattern = process.env.FAKE_FAIL_ON;
  let fail = false;
  if (pattern && line.includes(pattern)) {
    const times = Number(process.env.FAKE_FAIL_TIMES ?? 1);
    fail = await update((s) => {
      const used = s.failures[pattern] ?? 0;
      if (used >= times) return false;
      s.failures[pattern] = used + 1;
      return true;
    });
  }
  appendFileSync(join(STATE_DIR, 'calls.jsonl'), JSON.stringify({ ...entry, failed: fail || undefined }) + '\n');
  if (fail) die(`fake ${tool}: injected failure (FAKE_FAIL_ON="${pattern}")`);
  const code = (await impl(args)) ?? 0;
  // The matching end line lets tests see which calls overlapped in time.
  appendFileSync(join(STATE_DIR, 'calls.jsonl'), JSON.stringify({ pid: process.pid, end: Date.now(), code }) + '\n');
  process.exit(code);
}

let callDelayMs = Number(process.env.FAKE_DELAY_MS ?? 0);

/** The per-call delay; two-phase commands call it between their phases. */
export const delay = () => sleep(callDelayMs);

/** Kill a fake node server (it leads its own process group). */
export function killServer(pid) {
  if (!pid) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
      return;
    } catch {}
  }
}

/** docker.io/library/x:y is how containerd names Docker Hub images. */
export function normalizeImage(ref) {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return ref;
  return slash < 0 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
}
