// Docker, as the kind target uses it: is the engine there, which images are
// on the host, and what kind's node containers look like. Argv builders are
// exported so the dry-run plan shows exactly what the executor runs.
import { CommandFailed, run } from '../core/proc.js';

/** kind labels each node container with its cluster name. */
export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
/** kind attaches every node to this docker network. */
export const KIND_NETWORK = 'kind';

export interface DockerEngine {
  serverVersion: string;
  memTotalBytes: number;
  cpus: number;
}

/** `docker info` as JSON; undefined (with the reason) when no engine answers. */
export async function dockerEngine(): Promise<{ engine?: DockerEngine; error?: string }> {
  const r = await run(['docker', 'info', '--format', '{{json .}}'], { reject: false, timeoutMs: 20_000 });
  if (r.exitCode !== 0) return { error: (r.stderr || r.stdout).trim() || `docker exited ${r.exitCode}` };
  try {
    const info = JSON.parse(r.stdout) as { ServerVersion?: string; MemTotal?: number; NCPU?: number };
    // With the daemon down, some docker versions still print client JSON with an empty ServerVersion.
    if (!info.ServerVersion) return { error: (r.stderr || 'the Docker engine did not report a server version').trim() };
    return { engine: { serverVersion: info.ServerVersion, memTotalBytes: info.MemTotal ?? 0, cpus: info.NCPU ?? 0 } };
  } catch {
    return { error: `unexpected \`docker info\` output: ${r.stdout.slice(0, 200)}` };
  }
}

export const pullArgs = (image: string) => ['docker', 'pull', image];

export async function imageOnHost(image: string): Promise<boolean> {
  const r = await run(['docker', 'image', 'inspect', '--format', '{{.Id}}', image], { reject: false });
  return r.exitCode === 0 && r.stdout.trim().length > 0;
}

export interface NodeContainer {
  name: string;
  running: boolean;
  labels: Record<string, string>;
  /** "30443/tcp" -> [{ HostIp, HostPort }] */
  portBindings: Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
  /** Address on the `kind` docker network. */
  kindNetworkIp?: string;
}

export const inspectArgs = (container: string) => ['docker', 'inspect', '--type', 'container', container];

/** One container, or undefined when it does not exist (other docker errors throw). */
export async function inspectContainer(container: string): Promise<NodeContainer | undefined> {
  const r = await run(inspectArgs(container), { reject: false });
  if (r.exitCode !== 0) {
    if (/no such (container|object)/i.test(r.stderr)) return undefined;
    throw new CommandFailed(r);
  }
  const [c] = JSON.parse(r.stdout) as Array<{
    Name?: string;
    State?: { Running?: boolean };
    Config?: { Labels?: Record<string, string> };
    HostConfig?: { PortBindings?: NodeContainer['portBindings'] };
    NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
  }>;
  if (!c) return undefined;
  return {
    name: (c.Name ?? container).replace(/^\//, ''),
    running: Boolean(c.State?.Running),
    labels: c.Config?.Labels ?? {},
    portBindings: c.HostConfig?.PortBindings ?? {},
    kindNetworkIp: c.NetworkSettings?.Networks?.[KIND_NETWORK]?.IPAddress || undefined,
  };
}

/** Host ports a container publishes, as numbers. */
export function publishedHostPorts(c: NodeContainer): number[] {
  return Object.values(c.portBindings)
    .flat()
    .map((b) => Number(b.HostPort))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Every container (running or not) that carries kind's cluster label: [container name, cluster]. */
export async function kindContainers(): Promise<Array<{ name: string; cluster: string }>> {
  const r = await run(
    ['docker', 'ps', '--all', '--filter', `label=${KIND_CLUSTER_LABEL}`, '--format', `{{.Names}}\t{{.Label "${KIND_CLUSTER_LABEL}"}}`],
    { reject: false },
  );
  if (r.exitCode !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name = '', cluster = ''] = l.split('\t');
      return { name, cluster };
    });
}

export const removeContainersArgs = (names: string[]) => ['docker', 'rm', '--force', ...names];
export const startContainerArgs = (name: string) => ['docker', 'start', name];

/** Image references containerd holds on a kind node (read with crictl inside the node). */
export async function nodeImages(container: string): Promise<Set<string>> {
  const r = await run(['docker', 'exec', container, 'crictl', 'images', '-o', 'json'], { reject: false });
  if (r.exitCode !== 0) return new Set();
  const parsed = JSON.parse(r.stdout) as { images?: Array<{ repoTags?: string[] }> };
  return new Set((parsed.images ?? []).flatMap((i) => i.repoTags ?? []).map(normalizeImage));
}

/**
 * `istio/pilot:1.23.2` and `docker.io/istio/pilot:1.23.2` are one image;
 * containerd always stores the long form. Compare in that form.
 */
export function normalizeImage(ref: string): string {
  const firstSlash = ref.indexOf('/');
  const first = firstSlash < 0 ? '' : ref.slice(0, firstSlash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  if (hasRegistry) return ref;
  return firstSlash < 0 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
}
