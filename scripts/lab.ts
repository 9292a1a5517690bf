#!/usr/bin/env tsx
// `npm run lab -- <command>`: one folder per command under scripts/commands,
// each exporting `run(argv) => exit code`. Loaded lazily so `lab lint` never
// pays for the kind orchestration's imports.
import { isLabError } from './core/errors.js';
import { isJsonMode } from './core/log.js';

export const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  up: { summary: 'create the lab (kind clusters, or the local target)', load: () => import('./commands/up/index.js') },
  down: { summary: 'remove everything the lab created', load: () => import('./commands/down/index.js') },
  reset: { summary: 'back to the baseline in seconds, without recreating clusters', load: () => import('./commands/reset/index.js') },
  status: { summary: 'health of every region, process and URL', load: () => import('./commands/status/index.js') },
  labs: { summary: 'run the scripted curl labs', load: () => import('./commands/labs/index.js') },
  tutorial: { summary: 'step-through tutorial, break and fix', load: () => import('./commands/tutorial/index.js') },
  lint: { summary: 'check realms and manifests the way Istio and Keycloak would', load: () => import('./commands/lint/index.js') },
  authz: { summary: 'decide what Istio would do with a request (no network)', load: () => import('./commands/authz/index.js') },
  doctor: { summary: 'explain why a token passes or fails, then prove it', load: () => import('./commands/doctor/index.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: npm run lab -- <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    '',
    'common options: --target kind|local  --regions us-east,eu-west,ap-south  --dry-run  --json',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (isLabError(e)) {
      if (isJsonMode()) process.stdout.write(JSON.stringify(e.toJSON()) + '\n');
      process.stderr.write(e.format() + '\n');
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
