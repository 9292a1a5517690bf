// The kind cluster configs and the NodePorts they map must agree with the
// Helm values end to end, or the gateway answers on no host port.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NODE_PORTS, REGIONS, makeConfig } from '../../../scripts/core/config.js';
import { SUBNETS, kindClusterConfig, kindConfigYaml } from '../../../scripts/targets/kind/cluster-config.js';
import { gatewayValues } from '../../../scripts/targets/kind/istio-values.js';
import { keycloakValues } from '../../../scripts/targets/kind/keycloak.js';

function cidr(c: string): [number, number] {
  const [ip, bits] = c.split('/');
  const n = ip!.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return [n, n + size - 1];
}
const overlap = (a: string, b: string) => {
  const [a0, a1] = cidr(a);
  const [b0, b1] = cidr(b);
  return a0 <= b1 && b0 <= a1;
};

describe('kind cluster config', () => {
  const cfg = makeConfig({ target: 'kind', env: {} });

  it('gives every region distinct, non-overlapping pod and service subnets', () => {
    const all = REGIONS.flatMap((r) => [SUBNETS[r].podSubnet, SUBNETS[r].serviceSubnet]);
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlap(all[i]!, all[j]!), `${all[i]} vs ${all[j]}`).toBe(false);
    // Also clear of the docker bridge/kind networks (172.16.0.0/12).
    for (const s of all) expect(overlap(s, '172.16.0.0/12')).toBe(false);
  });

  it('maps the README ports on 127.0.0.1 onto the fixed NodePorts; us-east also maps Keycloak 8090', () => {
    expect(kindClusterConfig(cfg, 'us-east').nodes[0]!.extraPortMappings).toEqual([
      { containerPort: 30443, hostPort: 8443, listenAddress: '127.0.0.1', protocol: 'TCP' },
      { containerPort: 30080, hostPort: 8080, listenAddress: '127.0.0.1', protocol: 'TCP' },
      { containerPort: 30090, hostPort: 8090, listenAddress: '127.0.0.1', protocol: 'TCP' },
    ]);
    expect(kindClusterConfig(cfg, 'eu-west').nodes[0]!.extraPortMappings.map((m) => m.hostPort)).toEqual([9443, 9080]);
    expect(kindClusterConfig(cfg, 'ap-south').nodes[0]!.extraPortMappings.map((m) => m.hostPort)).toEqual([10443, 10080]);
  });

  it('follows LAB_PORT_OFFSET on the host side only', () => {
    const shifted = makeConfig({ target: 'kind', env: { LAB_PORT_OFFSET: '19000' } });
    const m = kindClusterConfig(shifted, 'us-east').nodes[0]!.extraPortMappings;
    expect(m.map((x) => x.hostPort)).toEqual([27443, 27080, 27090]);
    expect(m.map((x) => x.containerPort)).toEqual([30443, 30080, 30090]);
  });

  it('uses the NodePorts the Helm values pin (gateway https/http, Keycloak http)', () => {
    const gw = gatewayValues().service.ports;
    const byTarget = Object.fromEntries(gw.map((p) => [p.targetPort, p.nodePort]));
    expect(byTarget[443]).toBe(NODE_PORTS.https);
    expect(byTarget[80]).toBe(NODE_PORTS.http);
    expect(Number(keycloakValues(cfg, 'x').service.nodePorts.http)).toBe(NODE_PORTS.keycloak);
    const mapped = kindClusterConfig(cfg, 'us-east').nodes[0]!.extraPortMappings.map((p) => p.containerPort).sort();
    expect(mapped).toEqual([NODE_PORTS.http, NODE_PORTS.https, NODE_PORTS.keycloak].sort());
    for (const p of mapped) expect(p).toBeGreaterThanOrEqual(30000); // the default NodePort range
  });

  it('writes valid kind YAML (kind.x-k8s.io/v1alpha4) named after the region', () => {
    const y = parse(kindConfigYaml(kindClusterConfig(cfg, 'eu-west')));
    expect(y).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: 'bookstore-platform-eu-west' });
    expect(y.networking).toEqual(SUBNETS['eu-west']);
  });
});
