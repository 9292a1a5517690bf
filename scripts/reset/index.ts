// `lab:reset`: back to the baseline in seconds, without recreating clusters
// or restarting Keycloak. The targets dispatch here (target.reset).
import type { LabConfig } from '../core/config.js';
import type { TargetOptions } from '../targets/types.js';

export { resetLocal } from './local.js';
export { resetKind } from './kind.js';

export async function resetLab(cfg: LabConfig, opts: TargetOptions): Promise<number> {
  if (cfg.target === 'kind') return (await import('./kind.js')).resetKind(cfg, opts);
  return (await import('./local.js')).resetLocal(cfg, opts);
}
