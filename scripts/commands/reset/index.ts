// `lab reset`: back to the baseline; --progress also clears tutorial progress.
import { targetCommand } from '../../targets/command.js';

export const run = targetCommand('reset', { flag: 'progress', field: 'progress' });
