// Which target runs when --target is not given: kind when a Docker engine
// answers, otherwise local, said out loud so nobody mistakes one for the other.
import { run } from './proc.js';
import { warn } from './log.js';
import type { TargetName } from './config.js';

export async function dockerAnswers(): Promise<boolean> {
  const r = await run(['docker', 'info', '--format', '{{.ServerVersion}}'], { reject: false, timeoutMs: 15_000 });
  return r.exitCode === 0 && r.stdout.trim().length > 0;
}

export async function resolveTarget(opts: { quiet: boolean }): Promise<TargetName> {
  const envTarget = process.env.LAB_TARGET;
  if (envTarget === 'kind' || envTarget === 'local') return envTarget;
  if (await dockerAnswers()) return 'kind';
  if (!opts.quiet) {
    warn(
      [
        '──────────────────────────────────────────────────────────────────────',
        ' No Docker engine answered, so this runs the LOCAL target: a real',
        ' Keycloak 24.0.5 (Java) and an emulated Istio ingress gateway.',
        ' For the full lab (three kind clusters with real Istio 1.23.2) start',
        ' Docker and run:  npm run lab:up -- --target kind',
        '──────────────────────────────────────────────────────────────────────',
      ].join('\n'),
    );
  }
  return 'local';
}
