// Reading the policy documents a gateway enforces, for checks and doctor.
import type { KubeDoc } from '../../manifests/index.js';

export interface JwtRuleView {
  issuer?: string;
  jwksUri?: string;
  audiences?: string[];
}

export function jwtRulesOf(docs: KubeDoc[]): JwtRuleView[] {
  return docs
    .filter((d) => d.kind === 'RequestAuthentication')
    .flatMap((d) => ((d.spec as { jwtRules?: JwtRuleView[] } | undefined)?.jwtRules ?? []));
}

/** "Kind/namespace/name" for each security document, in order. */
export function policyNames(docs: KubeDoc[]): string[] {
  return docs
    .filter((d) => d.kind === 'RequestAuthentication' || d.kind === 'AuthorizationPolicy')
    .map((d) => `${d.kind}/${d.metadata.namespace ?? 'default'}/${d.metadata.name}`);
}
