// kubectl against one kind context. Applies read files or stdin (secrets are
// piped, never put on a command line); `diff` tells whether an apply would
// change anything, which keeps a second `lab:up` free of mutating calls.
import { run } from '../core/proc.js';

export async function kubectlVersion(): Promise<string | undefined> {
  const r = await run(['kubectl', 'version', '--client', '--output', 'json'], { reject: false });
  if (r.exitCode !== 0) return undefined;
  try {
    return (JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
  } catch {
    return undefined;
  }
}

const nsArgs = (namespace?: string) => (namespace ? ['--namespace', namespace] : []);

/** `-f <file>`, or `-f -` to read stdin; a namespace makes kubectl refuse objects meant for another one. */
export const applyArgs = (context: string, file: string, namespace?: string) =>
  ['kubectl', 'apply', '--context', context, ...nsArgs(namespace), '-f', file];
export const diffArgs = (context: string, file: string, namespace?: string) =>
  ['kubectl', 'diff', '--context', context, ...nsArgs(namespace), '-f', file];

/** True when applying would change nothing (kubectl diff exits 0; 1 means differences, >1 an error). */
export async function unchanged(context: string, file: string, input?: string, namespace?: string): Promise<boolean> {
  const r = await run(diffArgs(context, file, namespace), { reject: false, input });
  return r.exitCode === 0;
}

export const rolloutStatusArgs = (context: string, namespace: string, resource: string, timeout: string) =>
  ['kubectl', 'rollout', 'status', resource, '--namespace', namespace, '--context', context, `--timeout=${timeout}`];

/** A TLS Secret rendered client-side from files (nothing sent to the cluster). */
export async function tlsSecretYaml(context: string, namespace: string, name: string, certFile: string, keyFile: string): Promise<string> {
  const r = await run([
    'kubectl', 'create', 'secret', 'tls', name, '--namespace', namespace, '--context', context,
    `--cert=${certFile}`, `--key=${keyFile}`, '--dry-run=client', '--output', 'yaml',
  ]);
  return r.stdout;
}

export interface KubeList<T> {
  items: T[];
}

/** `kubectl get … -o json`; undefined when the call fails (cluster down, unknown kind). */
export async function getJson<T>(context: string, args: string[]): Promise<KubeList<T> | undefined> {
  const r = await run(['kubectl', 'get', ...args, '--context', context, '--output', 'json'], { reject: false, timeoutMs: 30_000 });
  if (r.exitCode !== 0) return undefined;
  const parsed = JSON.parse(r.stdout) as KubeList<T> | T;
  return (parsed as KubeList<T>).items ? (parsed as KubeList<T>) : { items: [parsed as T] };
}

interface NodeObj {
  metadata: { name: string };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/** Every node reports Ready=True (and there is at least one). */
export async function nodesReady(context: string): Promise<{ ready: boolean; detail: string }> {
  const list = await getJson<NodeObj>(context, ['nodes']);
  if (!list) return { ready: false, detail: 'the API server does not answer' };
  if (list.items.length === 0) return { ready: false, detail: 'no nodes' };
  const notReady = list.items.filter((n) => !n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (notReady.length) return { ready: false, detail: `not Ready: ${notReady.map((n) => n.metadata.name).join(', ')}` };
  return { ready: true, detail: `${list.items.length} node(s) Ready` };
}
