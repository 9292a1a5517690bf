// The one typed source of per-target and per-region values. Manifests, realm
// files, both targets and the labs read these; nothing else hard-codes a port,
// an issuer or a URL.

export const ISTIO_VERSION = '1.23.2';
export const KEYCLOAK_CHART_VERSION = '21.4.4';
export const KEYCLOAK_VERSION = '24.0.5';

export const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
export type Region = (typeof REGIONS)[number];

/** The region that runs Keycloak; the others trust it across the network. */
export const KEYCLOAK_REGION: Region = 'us-east';

export const REALMS = ['bookstore-platform', 'tenant-globex'] as const;
export type RealmName = (typeof REALMS)[number];
/** The realm the gateway trusts. tenant-globex exists to be refused. */
export const PRIMARY_REALM: RealmName = 'bookstore-platform';

export type TargetName = 'kind' | 'local';

export interface RegionPorts {
  https: number;
  http: number;
}

const DEFAULT_REGION_PORTS: Record<Region, RegionPorts> = {
  'us-east': { https: 8443, http: 8080 },
  'eu-west': { https: 9443, http: 9080 },
  'ap-south': { https: 10443, http: 10080 },
};
const DEFAULT_KEYCLOAK_PORT = 8090;

/** Fixed NodePorts inside every kind cluster; kind maps host ports onto them. */
export const NODE_PORTS = { https: 30443, http: 30080, keycloak: 30090 } as const;

export interface LabConfig {
  target: TargetName;
  regions: Region[];
  ports: Record<Region, RegionPorts>;
  keycloakPort: number;
  /** Loopback address every host port binds to. */
  host: string;
}

/**
 * LAB_PORT_OFFSET shifts every host port by the same amount, so two checkouts
 * (or a test run beside a running lab) never fight over 8443.
 */
export function portOffset(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LAB_PORT_OFFSET;
  if (!raw) return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 20000) {
    throw new Error(`LAB_PORT_OFFSET must be an integer between 0 and 20000, got "${raw}"`);
  }
  return n;
}

export function parseRegions(list: string | undefined): Region[] {
  if (!list) return [...REGIONS];
  const out: Region[] = [];
  for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(REGIONS as readonly string[]).includes(raw)) {
      throw new Error(`unknown region "${raw}"; known regions: ${REGIONS.join(', ')}`);
    }
    if (!out.includes(raw as Region)) out.push(raw as Region);
  }
  if (out.length === 0) throw new Error('--regions names no region');
  return out;
}

export function makeConfig(opts: {
  target: TargetName;
  regions?: Region[];
  portOverrides?: Partial<Record<Region, Partial<RegionPorts>>>;
  keycloakPort?: number;
  env?: NodeJS.ProcessEnv;
}): LabConfig {
  const offset = portOffset(opts.env);
  const ports = {} as Record<Region, RegionPorts>;
  for (const r of REGIONS) {
    const d = DEFAULT_REGION_PORTS[r];
    const o = opts.portOverrides?.[r] ?? {};
    ports[r] = { https: o.https ?? d.https + offset, http: o.http ?? d.http + offset };
  }
  return {
    target: opts.target,
    regions: opts.regions ?? [...REGIONS],
    ports,
    keycloakPort: opts.keycloakPort ?? DEFAULT_KEYCLOAK_PORT + offset,
    host: '127.0.0.1',
  };
}

/** The URL people (and tokens) see for Keycloak: pinned, the same on both targets. */
export function keycloakPublicUrl(cfg: LabConfig): string {
  return `http://localhost:${cfg.keycloakPort}`;
}

/** `iss` of every token a realm issues; Keycloak is pinned to it with --hostname-url. */
export function issuerFor(cfg: LabConfig, realm: RealmName): string {
  return `${keycloakPublicUrl(cfg)}/realms/${realm}`;
}

export const JWKS_PATH = (realm: RealmName) => `/realms/${realm}/protocol/openid-connect/certs`;
export const TOKEN_PATH = (realm: RealmName) => `/realms/${realm}/protocol/openid-connect/token`;

/**
 * Where the party that fetches JWKS finds it. On kind that is istiod inside
 * each cluster: us-east uses the in-cluster Service, other regions cross the
 * shared docker network to us-east's node address and NodePort (looked up at
 * run time because node IPs change when Docker restarts). Locally the gateway
 * fetches it over loopback.
 */
export function jwksUriFor(
  cfg: LabConfig,
  region: Region,
  realm: RealmName,
  keycloakNodeAddress?: string,
): string {
  if (cfg.target === 'local') return `http://127.0.0.1:${cfg.keycloakPort}${JWKS_PATH(realm)}`;
  if (region === KEYCLOAK_REGION) return `http://keycloak.keycloak.svc.cluster.local${JWKS_PATH(realm)}`;
  const addr = keycloakNodeAddress ?? '<us-east-node-ip>';
  return `http://${addr}:${NODE_PORTS.keycloak}${JWKS_PATH(realm)}`;
}

export function gatewayUrl(cfg: LabConfig, region: Region, scheme: 'https' | 'http' = 'https'): string {
  return `${scheme}://localhost:${cfg.ports[region][scheme]}`;
}

export const clusterName = (region: Region) => `bookstore-platform-${region}`;
export const kubeContext = (region: Region) => `kind-${clusterName(region)}`;

/** The lab's ingress gateway workload, as the engine and the lint see it. */
export const GATEWAY_WORKLOAD = {
  namespace: 'istio-system',
  labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } as Record<string, string>,
};

/**
 * istiod's PILOT_JWT_PUB_KEY_REFRESH_INTERVAL on kind, and the local gateway's
 * default JWKS refresh. Istio's default is 20m; 30s keeps the key-rotation lab
 * to about a minute while being far from a fetch per request.
 */
export const JWKS_REFRESH_SECONDS = 30;

/** Envoy jwt_authn's default clock skew; Istio never changes it. */
export const CLOCK_SKEW_SECONDS = 60;

export const TENANT_NAMESPACE = 'bookstore-platform-acme-books';
