// Placeholder until this command lands; says so instead of pretending.
import { LabError } from '../../core/errors.js';

export async function run(_argv: string[]): Promise<number> {
  throw new LabError('`lab authz` is not built yet', 'this command has not landed in this checkout', 'see the README for what works today', 3);
}
