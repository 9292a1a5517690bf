// Reads what `lab lint` checks: manifest files or folders, realm files or
// folders. A file that does not parse is a finding, not a crash.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, isAbsolute } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { MANIFESTS_DIR, REALMS_DIR, REPO_ROOT } from '../core/paths.js';
import { LabError } from '../core/errors.js';
import type { KubeDoc, RealmDoc, SourcedDoc } from '../manifests/index.js';
import type { Finding, LintInput, RawFile, SourcedRealm } from './types.js';

/** Repo-relative when inside the repo, so findings read `manifests/10-...yaml`. */
export function displayPath(file: string): string {
  const rel = relative(REPO_ROOT, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function expand(paths: string[], exts: string[], recurse: boolean): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) {
      throw new LabError(`cannot read ${p}`, 'no such file or folder', 'pass an existing file or folder, e.g. `npm run lab -- lint --manifests manifests/`', 2);
    }
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const full = join(p, name);
        if (statSync(full).isDirectory()) {
          if (recurse) out.push(...expand([full], exts, recurse));
        } else if (exts.includes(extname(name))) out.push(full);
      }
    } else out.push(p);
  }
  return out;
}

const readFinding = (file: string, what: string, message: string): Finding => ({
  severity: 'error',
  rule: 'parse',
  file: displayPath(file),
  object: what,
  field: '(file)',
  message,
  runtime: 'kubectl / Keycloak cannot read this file at all; nothing in it is applied or imported',
  fix: 'fix the syntax error at the position shown',
});

export function loadInput(opts: { manifests?: string[]; realms?: string[] } = {}): LintInput {
  const manifestPaths = opts.manifests?.length ? opts.manifests : [MANIFESTS_DIR];
  const realmPaths = opts.realms?.length ? opts.realms : [REALMS_DIR];
  const docs: SourcedDoc[] = [];
  const realms: SourcedRealm[] = [];
  const raw: RawFile[] = [];
  const readFindings: Finding[] = [];

  // YAML at the top of a folder (what the targets apply); every file below it
  // (the catalog's script and pages) is still scanned for secrets.
  for (const file of expand(manifestPaths, ['.yaml', '.yml'], false)) {
    const text = readFileSync(file, 'utf8');
    raw.push({ file: displayPath(file), text });
    parseAllDocuments(text).forEach((d, index) => {
      if (d.errors.length) {
        readFindings.push(readFinding(file, `document ${index + 1}`, d.errors[0]!.message));
        return;
      }
      const value = d.toJS() as KubeDoc | null;
      if (value) docs.push({ doc: value, file: displayPath(file), index });
    });
  }
  for (const p of manifestPaths) {
    if (existsSync(p) && statSync(p).isDirectory()) {
      for (const file of expand([p], ['.mjs', '.js', '.ts', '.html', '.json', '.yaml', '.yml', '.pem', '.key', '.env', '.txt'], true)) {
        if (raw.some((r) => r.file === displayPath(file))) continue;
        raw.push({ file: displayPath(file), text: readFileSync(file, 'utf8') });
      }
    }
  }
  for (const file of expand(realmPaths, ['.json'], false)) {
    const text = readFileSync(file, 'utf8');
    raw.push({ file: displayPath(file), text });
    try {
      const doc = JSON.parse(text) as RealmDoc;
      if (typeof doc?.realm !== 'string') {
        readFindings.push({ ...readFinding(file, 'realm', 'no "realm" name at the top level'), rule: 'realm-name', runtime: 'Keycloak refuses to import a realm without a name' , fix: 'add "realm": "<name>"' });
      } else realms.push({ doc, file: displayPath(file) });
    } catch (e) {
      readFindings.push(readFinding(file, 'realm', (e as Error).message));
    }
  }
  return { docs, realms, raw, readFindings };
}
