// The kind cluster config, built as a typed object and written as YAML.
// Each region gets its own pod and service subnets (so the clusters could be
// meshed without overlaps, as Istio's multi-cluster kind scripts do) and maps
// its host ports, on 127.0.0.1 only, onto the fixed NodePorts.
import { stringify } from 'yaml';
import { KEYCLOAK_REGION, NODE_PORTS, clusterName, type LabConfig, type Region } from '../../core/config.js';

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  listenAddress: string;
  protocol: 'TCP';
}

export interface KindClusterConfig {
  kind: 'Cluster';
  apiVersion: 'kind.x-k8s.io/v1alpha4';
  name: string;
  networking: { podSubnet: string; serviceSubnet: string };
  nodes: Array<{ role: 'control-plane'; extraPortMappings: PortMapping[] }>;
}

/** Distinct, non-overlapping ranges; kind's defaults (10.244/16, 10.96/12) are the same in every cluster. */
export const SUBNETS: Record<Region, { podSubnet: string; serviceSubnet: string }> = {
  'us-east': { podSubnet: '10.110.0.0/16', serviceSubnet: '10.210.0.0/16' },
  'eu-west': { podSubnet: '10.120.0.0/16', serviceSubnet: '10.220.0.0/16' },
  'ap-south': { podSubnet: '10.130.0.0/16', serviceSubnet: '10.230.0.0/16' },
};

/** Host port -> NodePort for one region (us-east also publishes Keycloak). */
export function portMappings(cfg: LabConfig, region: Region): PortMapping[] {
  const m = (hostPort: number, containerPort: number): PortMapping => ({
    containerPort,
    hostPort,
    listenAddress: cfg.host,
    protocol: 'TCP',
  });
  const ports = cfg.ports[region];
  const out = [m(ports.https, NODE_PORTS.https), m(ports.http, NODE_PORTS.http)];
  if (region === KEYCLOAK_REGION) out.push(m(cfg.keycloakPort, NODE_PORTS.keycloak));
  return out;
}

export function kindClusterConfig(cfg: LabConfig, region: Region): KindClusterConfig {
  return {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: clusterName(region),
    networking: { ...SUBNETS[region] },
    nodes: [{ role: 'control-plane', extraPortMappings: portMappings(cfg, region) }],
  };
}

export function kindConfigYaml(c: KindClusterConfig): string {
  return stringify(c, { lineWidth: 0 });
}

/** Host ports a region's cluster publishes. */
export function hostPortsOf(cfg: LabConfig, region: Region): number[] {
  return portMappings(cfg, region).map((p) => p.hostPort);
}
