// Loads a target lazily: the local target never imports kind's modules.
import type { TargetName } from '../core/config.js';
import type { Target } from './types.js';

export async function loadTarget(name: TargetName): Promise<Target> {
  if (name === 'kind') return (await import('./kind/index.js')).kindTarget;
  return (await import('./local/index.js')).localTarget;
}
