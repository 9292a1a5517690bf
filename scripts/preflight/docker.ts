// Is there a Docker engine, and how much memory does it give containers?
import { dockerEngine, type DockerEngine } from '../tools/docker.js';
import type { CheckOutcome } from './problem.js';

/** Three clusters with Istio ambient, plus Keycloak and PostgreSQL in one of them. */
export const RECOMMENDED_DOCKER_MEMORY_GIB = 8;

export function startDockerFix(): string {
  if (process.platform === 'darwin') return 'open -a Docker   (start Docker Desktop), wait until `docker info` answers, then rerun';
  if (process.platform === 'win32') return 'start Docker Desktop, wait until `docker info` answers, then rerun';
  return 'sudo systemctl start docker   (and, to run without sudo: sudo usermod -aG docker $USER, then log in again); check with `docker info`';
}

export async function dockerChecks(): Promise<{ engine?: DockerEngine; outcomes: CheckOutcome[] }> {
  const { engine, error } = await dockerEngine();
  if (!engine) {
    const missing = /ENOENT|not found|command not found/i.test(error ?? '');
    return {
      outcomes: [
        {
          name: 'docker',
          status: 'fail',
          detail: error ?? 'no answer',
          problem: missing
            ? { what: 'the docker CLI is not installed', why: 'kind runs each cluster as Docker containers', fix: 'install Docker: https://docs.docker.com/engine/install/ (Linux) or Docker Desktop (macOS/Windows)' }
            : { what: 'the Docker engine does not answer', why: (error ?? '').split('\n')[0] || 'docker info failed', fix: startDockerFix() },
        },
      ],
    };
  }
  const gib = engine.memTotalBytes / 1024 ** 3;
  const memory: CheckOutcome =
    engine.memTotalBytes > 0 && gib < RECOMMENDED_DOCKER_MEMORY_GIB
      ? {
          name: 'docker memory',
          status: 'warn',
          detail: `${gib.toFixed(1)} GiB`,
          problem: {
            what: `Docker can use ${gib.toFixed(1)} GiB of memory`,
            why: `three clusters with Istio and Keycloak want about ${RECOMMENDED_DOCKER_MEMORY_GIB} GiB; pods may be evicted or stay Pending`,
            fix: `raise it (Docker Desktop → Settings → Resources → Memory ≥ ${RECOMMENDED_DOCKER_MEMORY_GIB} GB) or run fewer regions: npm run lab:up -- --target kind --regions us-east`,
          },
        }
      : { name: 'docker memory', status: 'ok', detail: `${gib.toFixed(1)} GiB` };
  return { engine, outcomes: [{ name: 'docker', status: 'ok', detail: `engine ${engine.serverVersion}` }, memory] };
}
