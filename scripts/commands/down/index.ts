// `lab down`: remove only what the lab created.
import { targetCommand } from '../../targets/command.js';

export const run = targetCommand('down');
