// Small helpers the step builders share.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { run } from '../../../core/proc.js';

export const write = (file: string, content: string) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run one command; a non-zero exit throws (CommandFailed names the command and its stderr tail). */
export const exec = async (argv: string[], input?: string) => {
  await run(argv, { input });
};
