// `lab up`: create the lab on the chosen target (kind also takes --no-preload).
import { targetCommand } from '../../targets/command.js';

export const run = targetCommand('up', { flag: 'no-preload', field: 'noPreload' });
