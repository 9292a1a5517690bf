// kind: list, create, load into and delete clusters. Creation reads a config
// file the kind target generates from typed objects.
import { run } from '../core/proc.js';

export async function kindVersion(): Promise<string | undefined> {
  const r = await run(['kind', 'version'], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** Names of every kind cluster on this Docker engine. */
export async function kindClusters(): Promise<string[]> {
  const r = await run(['kind', 'get', 'clusters'], { reject: false });
  if (r.exitCode !== 0) return [];
  // "No kind clusters found." goes to stderr; stdout is one name per line.
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface CreateClusterSpec {
  name: string;
  configFile: string;
  /** How long kind waits for the control plane, e.g. "120s". */
  wait: string;
  /** A kindest/node image; kind's default when absent. */
  image?: string;
}

export function createClusterArgs(s: CreateClusterSpec): string[] {
  return ['kind', 'create', 'cluster', '--name', s.name, '--config', s.configFile, '--wait', s.wait, ...(s.image ? ['--image', s.image] : [])];
}

export const deleteClusterArgs = (name: string) => ['kind', 'delete', 'cluster', '--name', name];

export const loadImageArgs = (image: string, cluster: string) => ['kind', 'load', 'docker-image', image, '--name', cluster];

export const exportLogsArgs = (dir: string, cluster: string) => ['kind', 'export', 'logs', dir, '--name', cluster];

/** kind names a single-node cluster's container `<cluster>-control-plane`. */
export const controlPlaneContainer = (cluster: string) => `${cluster}-control-plane`;
