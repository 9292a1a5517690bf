// What Envoy adds to (and strips from) a request it proxies, and what it puts
// on responses, as an Istio ingress gateway is configured (use_remote_address
// on, no trusted hops). Kept deliberately small and honest:
//   upstream request: hop-by-hop headers removed; x-forwarded-for gets the
//   client address appended; x-forwarded-proto set to the listener's scheme;
//   x-request-id kept from an internal (loopback/private) client or generated;
//   x-envoy-internal: true for such clients; x-envoy-attempt-count: 1.
//   upstream response: server replaced by istio-envoy, x-envoy-upstream-service-time added.
// Not emulated: tracing headers (x-b3-*/traceparent), x-envoy-peer-metadata,
// x-envoy-decorator-operation.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';

export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate', 'proxy-authorization']);

/** RFC 1918 / loopback / ULA: Envoy's "internal" addresses. */
export function isInternalAddress(ip: string): boolean {
  const v = ip.replace(/^::ffff:/, '');
  if (isIP(v) === 4) {
    const [a, b] = v.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  return v === '::1' || /^f[cd]/i.test(v);
}

export function upstreamRequestHeaders(
  filtered: Record<string, string>,
  ctx: { scheme: 'http' | 'https'; remoteAddress: string },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(filtered)) if (!HOP_BY_HOP.has(k)) out[k] = v;
  const client = ctx.remoteAddress.replace(/^::ffff:/, '');
  const internal = isInternalAddress(client);
  out['x-forwarded-for'] = out['x-forwarded-for'] ? `${out['x-forwarded-for']},${client}` : client;
  out['x-forwarded-proto'] = ctx.scheme;
  if (!internal || !out['x-request-id']) out['x-request-id'] = randomUUID();
  if (internal) out['x-envoy-internal'] = 'true';
  else delete out['x-envoy-internal'];
  out['x-envoy-attempt-count'] = '1';
  return out;
}

export function downstreamResponseHeaders(upstream: Record<string, string | string[] | undefined>, serviceTimeMs: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(upstream)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  out['server'] = 'istio-envoy';
  out['x-envoy-upstream-service-time'] = String(Math.max(0, Math.round(serviceTimeMs)));
  return out;
}
