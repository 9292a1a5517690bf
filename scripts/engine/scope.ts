// Which policies reach a workload (istiod's PushContext selection): a policy
// in the root namespace applies in every namespace, any other only in its own;
// a selector's labels must all be on the workload; a policy attached with
// targetRef(s) is for Gateway-API gateways/waypoints, not this Deployment.
import type { Workload } from './types.js';

export const ROOT_NAMESPACE = 'istio-system';

export interface Scoped {
  meta: { namespace: string };
  selector?: Record<string, string>;
  hasTargetRef: boolean;
}

export type ScopeVerdict = { applies: true } | { applies: false; why: string };

export function scopeOf(policy: Scoped, workload: Workload): ScopeVerdict {
  if (policy.hasTargetRef) return { applies: false, why: 'attached with targetRef(s): only Gateway-API gateways and waypoints use those' };
  const ns = policy.meta.namespace;
  if (ns !== ROOT_NAMESPACE && ns !== workload.namespace) {
    return { applies: false, why: `namespace ${ns} is neither the workload's (${workload.namespace}) nor the root namespace ${ROOT_NAMESPACE}` };
  }
  for (const [k, v] of Object.entries(policy.selector ?? {})) {
    if (workload.labels[k] !== v) return { applies: false, why: `selector ${k}=${v} does not match the workload (${k}=${workload.labels[k] ?? '<unset>'})` };
  }
  return { applies: true };
}

export function appliesTo(policy: Scoped, workload: Workload): boolean {
  return scopeOf(policy, workload).applies;
}
