// Where the kind target keeps its generated files: $LAB_STATE_DIR/kind/…
// Everything here is derived (configs, values, rendered manifests, the lab's
// TLS pair); deleting it never loses anything `lab:up` cannot regenerate.
import { join } from 'node:path';
import type { Region } from '../../core/config.js';
import { stateDir } from '../../core/paths.js';

export interface KindPaths {
  root: string;
  region(region: Region): string;
  kindConfig(region: Region): string;
  helmValues(region: Region, release: string): string;
  manifests(region: Region): string;
  tlsDir: string;
  tlsCert: string;
  tlsKey: string;
  /** pid files of processes the kind target started (none today; `down` honours any). */
  pidDir: string;
  logsDir: string;
}

export function kindPaths(env: NodeJS.ProcessEnv = process.env): KindPaths {
  const root = join(stateDir(env), 'kind');
  const region = (r: Region) => join(root, r);
  const tlsDir = join(root, 'tls');
  return {
    root,
    region,
    kindConfig: (r) => join(region(r), 'kind-config.yaml'),
    helmValues: (r, release) => join(region(r), 'helm', `${release}.values.yaml`),
    manifests: (r) => join(region(r), 'manifests.yaml'),
    tlsDir,
    tlsCert: join(tlsDir, 'tls.crt'),
    tlsKey: join(tlsDir, 'tls.key'),
    pidDir: join(root, 'pids'),
    logsDir: join(root, 'logs'),
  };
}
