// The kind target: three kind clusters with Istio 1.23.2 ambient, Keycloak
// 24.0.5 (Bitnami chart 21.4.4) in us-east, the lab's manifests in each.
import type { Target } from '../types.js';
import { down } from './down.js';
import { status } from './status.js';
import { up } from './up.js';

/** reset lives in scripts/reset/ (another part of the project); loaded only when asked for. */
async function reset(...args: Parameters<Target['reset']>): Promise<number> {
  const { resetKind } = await import('../../reset/kind.js');
  return resetKind(...args);
}

export const kindTarget: Target = { up, down, status, reset };
