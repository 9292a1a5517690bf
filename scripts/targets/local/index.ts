// Placeholder until the local target lands; it says so rather than pretending.
import { LabError } from '../../core/errors.js';
import type { Target } from '../types.js';

const notYet = async (): Promise<number> => {
  throw new LabError('the local target is not built yet', 'it has not landed in this checkout', 'see the README for what works today', 3);
};
export const localTarget: Target = { up: notYet, down: notYet, status: notYet, reset: notYet };
