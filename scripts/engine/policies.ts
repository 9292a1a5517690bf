// Typed views of the RequestAuthentication and AuthorizationPolicy documents.
// Everything else in a manifest (Gateway, Deployment, ...) is ignored here.

export const SECURITY_API_VERSIONS = ['security.istio.io/v1', 'security.istio.io/v1beta1'] as const;

export interface PolicyMeta {
  name: string;
  namespace: string;
}

export interface JwtRuleSpec {
  issuer: string;
  audiences: string[];
  jwksUri?: string;
  /** Inline JWKS (jwtRules[].jwks): istiod uses it instead of fetching. */
  jwks?: string;
  fromHeaders: Array<{ name: string; prefix: string }>;
  fromParams: string[];
  fromCookies: string[];
  outputPayloadToHeader?: string;
  outputClaimToHeaders: Array<{ header: string; claim: string }>;
  forwardOriginalToken: boolean;
}

export interface RequestAuthenticationPolicy {
  meta: PolicyMeta;
  selector?: Record<string, string>;
  hasTargetRef: boolean;
  jwtRules: JwtRuleSpec[];
}

export interface Source {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  serviceAccounts?: string[];
  notServiceAccounts?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
}

export interface Operation {
  hosts?: string[];
  notHosts?: string[];
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
}

export interface Condition {
  key: string;
  values?: string[];
  notValues?: string[];
}

export interface Rule {
  from?: Array<{ source?: Source }>;
  to?: Array<{ operation?: Operation }>;
  when?: Condition[];
}

export type PolicyAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

export interface AuthorizationPolicyDoc {
  meta: PolicyMeta;
  selector?: Record<string, string>;
  hasTargetRef: boolean;
  action: PolicyAction;
  provider?: string;
  /** undefined = no `rules` field: the policy matches nothing (DENY/CUSTOM are invalid). */
  rules?: Array<Rule | null>;
}

export interface PolicySet {
  requestAuthentications: RequestAuthenticationPolicy[];
  authorizationPolicies: AuthorizationPolicyDoc[];
}
