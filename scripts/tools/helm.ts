// Helm 3: `upgrade --install` from a chart repo URL or an OCI reference (no
// `helm repo add` state), and the release state the idempotency checks read.
import { run } from '../core/proc.js';

export async function helmVersion(): Promise<string | undefined> {
  const r = await run(['helm', 'version', '--template', '{{.Version}}'], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export interface ChartRef {
  /** Chart name in a repo, or a full `oci://…` reference. */
  chart: string;
  /** Repository URL; absent for OCI charts. */
  repo?: string;
  version: string;
}

export interface UpgradeInstallSpec extends ChartRef {
  release: string;
  namespace: string;
  kubeContext: string;
  createNamespace?: boolean;
  /** Shown on the command line on purpose (the values a reader must see). */
  set?: Record<string, string>;
  valuesFile?: string;
}

export function upgradeInstallArgs(s: UpgradeInstallSpec): string[] {
  return [
    'helm', 'upgrade', '--install', s.release, s.chart,
    ...(s.repo ? ['--repo', s.repo] : []),
    '--version', s.version,
    '--namespace', s.namespace,
    ...(s.createNamespace ? ['--create-namespace'] : []),
    '--kube-context', s.kubeContext,
    ...Object.entries(s.set ?? {}).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    ...(s.valuesFile ? ['--values', s.valuesFile] : []),
  ];
}

export const uninstallArgs = (release: string, namespace: string, kubeContext: string) =>
  ['helm', 'uninstall', release, '--namespace', namespace, '--kube-context', kubeContext];

export const rollbackArgs = (release: string, namespace: string, kubeContext: string) =>
  ['helm', 'rollback', release, '--namespace', namespace, '--kube-context', kubeContext];

export interface ReleaseState {
  status: string;
  /** "istiod-1.23.2" */
  chart: string;
  revision: number;
}

/** The release as `helm list --all` reports it (pending and failed included), or undefined. */
export async function releaseState(release: string, namespace: string, kubeContext: string): Promise<ReleaseState | undefined> {
  const r = await run(
    ['helm', 'list', '--all', '--filter', `^${release}$`, '--namespace', namespace, '--kube-context', kubeContext, '--output', 'json'],
    { reject: false },
  );
  if (r.exitCode !== 0) return undefined;
  const rows = JSON.parse(r.stdout || '[]') as Array<{ name: string; status: string; chart: string; revision: string | number }>;
  const row = rows.find((x) => x.name === release);
  return row ? { status: row.status, chart: row.chart, revision: Number(row.revision) } : undefined;
}

/** The values the user supplied to the current revision (`{}` when none). */
export async function releaseValues(release: string, namespace: string, kubeContext: string): Promise<Record<string, unknown>> {
  const r = await run(['helm', 'get', 'values', release, '--namespace', namespace, '--kube-context', kubeContext, '--output', 'json']);
  const parsed = JSON.parse(r.stdout.trim() || 'null') as Record<string, unknown> | null;
  return parsed ?? {};
}
