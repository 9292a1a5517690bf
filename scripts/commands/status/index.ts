// `lab status`: health of every region, process and URL.
import { targetCommand } from '../../targets/command.js';

export const run = targetCommand('status');
