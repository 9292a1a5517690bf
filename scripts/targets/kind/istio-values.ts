// Helm values for Istio 1.23.2 ambient, one typed object per chart. Every key
// here must exist in the pinned chart's values.yaml (test/unit/kind checks it
// against ../shared/reference/charts); `profile` selects files/profile-<name>.yaml.
import { ISTIO_VERSION, JWKS_REFRESH_SECONDS, NODE_PORTS } from '../../core/config.js';
import { ISTIO_HUB, ISTIO_VARIANT } from './images.js';

export const ISTIO_REPO = 'https://istio-release.storage.googleapis.com/charts';
export const ISTIO_NAMESPACE = 'istio-system';
export const GATEWAY_RELEASE = 'istio-ingressgateway';

/** Pin hub/tag/variant so the pods ask for exactly the images we preloaded. */
const image = { hub: ISTIO_HUB, tag: ISTIO_VERSION, variant: ISTIO_VARIANT };

export interface IstiodValues {
  global: { hub: string; tag: string; variant: string };
  pilot: {
    autoscaleEnabled: boolean;
    resources: { requests: { cpu: string; memory: string } };
    env: Record<string, string>;
  };
}

export function istiodValues(): IstiodValues {
  return {
    global: { ...image },
    pilot: {
      // One replica per cluster; three clusters share one laptop.
      autoscaleEnabled: false,
      // The chart asks for 2Gi per istiod, 6Gi for the lab before anything runs.
      resources: { requests: { cpu: '100m', memory: '256Mi' } },
      env: {
        // istiod fetches each jwksUri itself and inlines the keys into the
        // gateway's config; by default it refreshes every 20m. At 30s a key
        // rotated in Keycloak reaches all three gateways within about half a
        // minute, so the rotation lab takes a minute, not twenty, while three
        // istiods polling one realm every 30s is no load at all.
        PILOT_JWT_PUB_KEY_REFRESH_INTERVAL: `${JWKS_REFRESH_SECONDS}s`,
      },
    },
  };
}

export interface CniValues {
  global: { hub: string; tag: string; variant: string };
}
export const cniValues = (): CniValues => ({ global: { ...image } });

/** ztunnel takes hub/tag/variant at the top level (no `global`). */
export interface ZtunnelValues {
  hub: string;
  tag: string;
  variant: string;
}
export const ztunnelValues = (): ZtunnelValues => ({ ...image });

export interface ServicePort {
  name: string;
  port: number;
  protocol: 'TCP';
  targetPort: number;
  nodePort?: number;
}

export interface GatewayValues {
  service: { type: 'NodePort'; ports: ServicePort[] };
  autoscaling: { enabled: boolean };
  resources: { requests: { cpu: string; memory: string } };
}

/**
 * kind has no LoadBalancer: a NodePort Service with fixed nodePorts, which the
 * kind config maps from 127.0.0.1:<host port>. The chart renders
 * `service.ports` verbatim, so a nodePort per entry is how ports are pinned.
 */
export function gatewayValues(): GatewayValues {
  return {
    service: {
      type: 'NodePort',
      ports: [
        { name: 'status-port', port: 15021, protocol: 'TCP', targetPort: 15021 },
        { name: 'http2', port: 80, protocol: 'TCP', targetPort: 80, nodePort: NODE_PORTS.http },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: 443, nodePort: NODE_PORTS.https },
      ],
    },
    autoscaling: { enabled: false },
    resources: { requests: { cpu: '50m', memory: '64Mi' } },
  };
}
