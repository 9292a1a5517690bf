import { PRIMARY_REALM } from '../scripts/core/config.js';
import { decodeJwt } from '../scripts/keycloak/tokens.js';
import { shellQuote } from '../scripts/tools/curl.js';
import type { LabContext, LabDefinition, StepOutcome } from '../scripts/labs/types.js';
import { clusterOidc, createTokenArgv, serviceAccountToken, verifyWithClusterJwks } from '../scripts/labs/workload.js';
import { FACTS } from './facts.js';

const when = (s: unknown) => (typeof s === 'number' ? `${new Date(s * 1000).toISOString()}` : String(s));
const lifetime = (c: Record<string, unknown>) =>
  typeof c.exp === 'number' && typeof c.iat === 'number' ? `${Math.round((c.exp - c.iat) / 60)} min` : '?';

/** The chapter's humans-versus-workloads table, filled with the two real tokens. */
export function identityTable(human: Record<string, unknown>, workload: Record<string, unknown>): string[] {
  const rows: Array<[string, unknown, unknown]> = [
    ['iss', human.iss, workload.iss],
    ['sub', human.sub, workload.sub],
    ['aud', human.aud, workload.aud],
    ['exp', when(human.exp), when(workload.exp)],
    ['lifetime', lifetime(human), lifetime(workload)],
    ['tenant', human.tenant ?? '(none)', workload.tenant ?? '(none)'],
  ];
  const w = Math.max(...rows.map((r) => JSON.stringify(r[1]).length), 'human (Keycloak)'.length);
  const cell = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  return [
    `${'claim'.padEnd(9)} ${'human (Keycloak)'.padEnd(w)}  workload (ServiceAccount)`,
    ...rows.map(([k, h, wl]) => `${k.padEnd(9)} ${cell(h).padEnd(w)}  ${cell(wl)}`),
  ];
}

async function run(ctx: LabContext): Promise<StepOutcome[]> {
  const saToken = await serviceAccountToken(ctx.region);
  const workload = decodeJwt(saToken).payload;
  const human = decodeJwt(await ctx.token({ kind: 'password', realm: PRIMARY_REALM, client: 'admin-portal', user: 'demo-user' })).payload;

  const refused = await ctx.gateway(
    { kind: 'gateway', name: 'the ServiceAccount token at the gateway', request: { path: '/api/books' }, expect: { status: 401, body: 'Jwt issuer is not configured' } },
    saToken,
  );
  refused.notes = identityTable(human, workload);

  const oidc = await clusterOidc(ctx.region);
  const err = await verifyWithClusterJwks(saToken, oidc);
  const verified: StepOutcome = {
    name: `verified against the cluster's own JWKS (issuer ${oidc.issuer})`,
    expected: { status: 0, body: 'signature, issuer and audience valid' },
    actual: { status: 0, body: err ? `not valid: ${err}` : 'signature, issuer and audience valid' },
    pass: !err,
    failures: err ? [err] : [],
    command: `${createTokenArgv(ctx.region).map(shellQuote).join(' ')} > sa.jwt   # then check it with kubectl get --raw /openid/v1/jwks`,
  };
  return [refused, verified];
}

export const workloadIdentity: LabDefinition = {
  id: 'workload-identity',
  title: 'Workloads are not humans: a ServiceAccount token beside a Keycloak token',
  targets: {
    kind: true,
    local: {
      skip:
        'needs a Kubernetes API server to issue the ServiceAccount token (TokenRequest) and publish its JWKS; the local target has none. Run it with: npm run labs -- workload-identity --target kind',
    },
  },
  regions: 'each',
  headline: { status: 401, body: 'Jwt issuer is not configured' },
  run,
  explain: `kubectl create token asks the cluster's TokenRequest API for a token for catalog-irsa-sa with
audience sts.amazonaws.com, the token the IRSA webhook would project into the catalog Pod. Side by
side with demo-user's token (the table above) the two planes differ in every claim: the issuer is
the cluster, not Keycloak; sub is system:serviceaccount:<namespace>:<name>, not a user id; aud is
AWS STS; and there is no tenant. It is genuine: it verifies against the cluster's own published
JWKS, which is exactly what AWS STS does when the pod calls AssumeRoleWithWebIdentity. The
gateway, which trusts only the Keycloak realm's issuer, refuses it at once with 401 "Jwt issuer is
not configured". Human tokens are for the mesh, workload tokens are for the cloud, and neither
is accepted where the other belongs.`,
  facts: [FACTS.unknownIssuer],
};
