// Where one local lab keeps its files: everything under $LAB_STATE_DIR/local,
// so `lab:down` can remove it whole (the shared Keycloak cache stays).
import { join } from 'node:path';
import { stateDir } from '../../core/paths.js';

export interface LocalLayout {
  root: string;
  /** Per-lab Keycloak home: copied bin/ conf/ lib/quarkus, symlinks into the cache, own data/. */
  keycloakHome: string;
  importDir: string;
  logs: string;
  pids: string;
  tls: string;
  stateFile: string;
  upLock: string;
}

export function localLayout(env: NodeJS.ProcessEnv = process.env): LocalLayout {
  const root = join(stateDir(env), 'local');
  const keycloakHome = join(root, 'keycloak-home');
  return {
    root,
    keycloakHome,
    importDir: join(keycloakHome, 'data', 'import'),
    logs: join(root, 'logs'),
    pids: join(root, 'pids'),
    tls: join(root, 'tls'),
    stateFile: join(root, 'state.json'),
    upLock: join(root, '.up.lock'),
  };
}

export const logFile = (l: LocalLayout, name: string) => join(l.logs, `${name}.log`);
