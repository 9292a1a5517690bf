// Broken copies of the shipped manifests and realms, for the lint tests.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, type Document } from 'yaml';
import { MANIFESTS_DIR, REALMS_DIR } from '../../../scripts/core/paths.js';
import { lint, type Finding, type LintReport } from '../../../scripts/lint/index.js';

export interface Copy {
  manifests: string;
  realms: string;
  /** Edit one YAML document of a manifest file, found by kind and name. */
  editDoc(file: string, kind: string, name: string, edit: (d: Document) => void): void;
  removeDoc(file: string, kind: string, name: string): void;
  editRealm(realm: string, edit: (r: Record<string, any>) => void): void;
  write(file: string, text: string): void;
  remove(file: string): void;
  lint(): Promise<LintReport>;
}

export function brokenCopy(): Copy {
  const root = mkdtempSync(join(tmpdir(), 'lab-lint-'));
  const manifests = join(root, 'manifests');
  const realms = join(root, 'realms');
  cpSync(MANIFESTS_DIR, manifests, { recursive: true });
  cpSync(REALMS_DIR, realms, { recursive: true });
  const docsOf = (file: string) => parseAllDocuments(readFileSync(join(manifests, file), 'utf8')) as Document[];
  const save = (file: string, docs: Document[]) => writeFileSync(join(manifests, file), docs.map((d) => d.toString()).join('---\n'));
  const find = (docs: Document[], kind: string, name: string) => {
    const i = docs.findIndex((d) => d.get('kind') === kind && d.getIn(['metadata', 'name']) === name);
    if (i < 0) throw new Error(`no ${kind} ${name}`);
    return i;
  };
  return {
    manifests,
    realms,
    editDoc(file, kind, name, edit) {
      const docs = docsOf(file);
      edit(docs[find(docs, kind, name)]!);
      save(file, docs);
    },
    removeDoc(file, kind, name) {
      const docs = docsOf(file);
      docs.splice(find(docs, kind, name), 1);
      save(file, docs);
    },
    editRealm(realm, edit) {
      const file = join(realms, `${realm}.json`);
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      edit(doc);
      writeFileSync(file, JSON.stringify(doc, null, 2));
    },
    write(file, text) {
      writeFileSync(join(root, file), text);
    },
    remove(file) {
      rmSync(join(root, file));
    },
    lint: () => lint({ manifests: [manifests], realms: [realms] }),
  };
}

export const client = (r: Record<string, any>, id: string) => (r.clients as Array<Record<string, any>>).find((c) => c.clientId === id)!;

export function only(report: LintReport, rule: string): Finding[] {
  return report.findings.filter((f) => f.rule === rule);
}

export function describeFindings(report: LintReport): string {
  return report.findings.map((f) => `${f.severity} ${f.rule} ${f.object} ${f.field}: ${f.message}`).join('\n');
}
