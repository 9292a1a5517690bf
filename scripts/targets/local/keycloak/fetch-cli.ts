#!/usr/bin/env tsx
// `npx tsx scripts/targets/local/keycloak/fetch-cli.ts [--force] [--no-maven]`:
// put Keycloak 24.0.5 in the cache ahead of `lab:up` (CI runs it after npm ci).
import { parseArgs } from 'node:util';
import { isLabError } from '../../../core/errors.js';
import { streamProgress } from '../progress.js';
import { ensureKeycloak } from './fetch.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      force: { type: 'boolean', default: false },
      'no-maven': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: npx tsx scripts/targets/local/keycloak/fetch-cli.ts [--force] [--no-maven]\n');
    return 0;
  }
  const started = Date.now();
  const dist = await ensureKeycloak({
    force: values.force,
    useMaven: !values['no-maven'],
    onProgress: streamProgress(process.stderr, 'keycloak'),
    log: (m) => process.stderr.write(`• ${m}\n`),
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`Keycloak ${dist.version} ready in ${dist.home} (${dist.source}, ${secs} s)\n`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(isLabError(e) ? `${e.format()}\n` : `${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
