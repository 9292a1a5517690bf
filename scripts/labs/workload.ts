// Workload identity on kind: a projected ServiceAccount token from the
// cluster's TokenRequest API, and the cluster's own OIDC discovery + JWKS to
// verify it with. Thin calls through proc.run; kind only.
import { createLocalJWKSet, jwtVerify } from 'jose';
import { kubeContext, TENANT_NAMESPACE, type Region } from '../core/config.js';
import { LabError } from '../core/errors.js';
import { run } from '../core/proc.js';
import { CATALOG } from '../manifests/index.js';

export const IRSA_AUDIENCE = 'sts.amazonaws.com';

export function createTokenArgv(region: Region): string[] {
  return ['kubectl', 'create', 'token', CATALOG.serviceAccount, '-n', TENANT_NAMESPACE, '--audience', IRSA_AUDIENCE, '--context', kubeContext(region)];
}

export const getRawArgv = (region: Region, path: string) => ['kubectl', 'get', '--raw', path, '--context', kubeContext(region)];

async function kubectl(argv: string[]): Promise<string> {
  const r = await run(argv, { reject: false, timeoutMs: 30_000 });
  if (r.exitCode !== 0) {
    throw new LabError(`\`${argv.join(' ')}\` failed`, r.stderr.trim() || `exit ${r.exitCode}`, 'npm run lab:status -- --target kind');
  }
  return r.stdout.trim();
}

export async function serviceAccountToken(region: Region): Promise<string> {
  return kubectl(createTokenArgv(region));
}

/** The API server's issuer and JWKS (the same documents an AWS OIDC provider would be given). */
export async function clusterOidc(region: Region): Promise<{ issuer: string; jwks: { keys: Array<Record<string, unknown>> } }> {
  const discovery = JSON.parse(await kubectl(getRawArgv(region, '/.well-known/openid-configuration'))) as { issuer?: string };
  const jwks = JSON.parse(await kubectl(getRawArgv(region, '/openid/v1/jwks'))) as { keys: Array<Record<string, unknown>> };
  if (!discovery.issuer) throw new LabError('the cluster publishes no OIDC issuer', 'discovery document without "issuer"', 'npm run lab:status -- --target kind');
  return { issuer: discovery.issuer, jwks };
}

/** Verify signature, issuer and audience the way STS would; returns the error text when it fails. */
export async function verifyWithClusterJwks(token: string, oidc: { issuer: string; jwks: { keys: Array<Record<string, unknown>> } }): Promise<string | undefined> {
  try {
    await jwtVerify(token, createLocalJWKSet(oidc.jwks as Parameters<typeof createLocalJWKSet>[0]), { issuer: oidc.issuer, audience: IRSA_AUDIENCE });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
