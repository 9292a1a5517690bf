// The contract of the one decision engine: given a request, the
// RequestAuthentication/AuthorizationPolicy documents and the JWKS the proxy
// holds, say what Istio 1.23.2's ingress gateway would do. The local gateway,
// `lab authz`, `lab doctor` and `lab lint` all call it; nobody re-implements it.

/** A request as the gateway sees it. Header names are matched case-insensitively. */
export interface EngineRequest {
  method: string;
  /** Path with optional query, e.g. /api/books?x=1 */
  path: string;
  headers: Record<string, string | string[]>;
  /** Used for WWW-Authenticate realm="<original uri>"; defaults to the path. */
  host?: string;
  scheme?: 'http' | 'https';
  /** Client address as the proxy sees it (ipBlocks, source.ip). */
  sourceIp?: string;
  /** Destination port as the proxy sees it (the gateway pod port: 8443 https, 8080 http). */
  port?: number;
  /** TLS server name (connection.sni). */
  sni?: string;
}

/** The workload whose policies apply (by namespace and labels). */
export interface Workload {
  namespace: string;
  labels: Record<string, string>;
}

/** A JSON Web Key Set, as Keycloak publishes it. */
export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

/**
 * The keys the proxy holds for a jwtRule, keyed by jwksUri. `undefined` means
 * istiod could not fetch it: it then inlines a fake key, so every token fails
 * signature checks while tokenless requests still pass jwt_authn.
 */
export type JwksLookup = (jwksUri: string) => Jwks | undefined;

export interface AllowDecision {
  decision: 'allow';
  /** Headers as the backend receives them, names lower-case. */
  upstreamHeaders: Record<string, string>;
  /** :path as forwarded (normalized; an access_token parameter removed unless forwardOriginalToken). */
  upstreamPath?: string;
}

export interface DenyDecision {
  decision: 'deny';
  status: 401 | 403;
  /** Envoy's exact body string. */
  body: string;
  /** Response headers, names lower-case (e.g. www-authenticate on 401). */
  headers: Record<string, string>;
}

export type Decision = AllowDecision | DenyDecision;

/** One line of the engine's reasoning, for `lab doctor` and the lab explanations. */
export interface TraceStep {
  stage: 'extract' | 'jwt_authn' | 'rbac';
  check: string;
  ok: boolean;
  detail: string;
}

export interface Explained {
  decision: Decision;
  trace: TraceStep[];
  /** The verified claims, when a token passed jwt_authn. */
  claims?: Record<string, unknown>;
  /** Which AuthorizationPolicy (namespace/name, rule index) decided, if any. */
  matchedPolicy?: { namespace: string; name: string; action: string; ruleIndex: number };
  /** jwt_authn's final status name (e.g. JwtExpired), when jwt_authn ran. */
  jwtStatus?: string;
  /** Which filter answered: custom, jwt_authn, rbac, or none (allowed). */
  decidedBy?: 'custom' | 'jwt_authn' | 'rbac' | 'none';
}
