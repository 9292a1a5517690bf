// The chapter's five "test your understanding" exercises, turned into
// experiments with checks. Where the chapter's answer is wrong, the check
// asserts what really happens and the text says so.
import { PRIMARY_REALM, TENANT_NAMESPACE, type LabConfig } from '../../core/config.js';
import { audList } from '../../doctor/decode.js';
import { scenario } from '../break/registry.js';
import type { TutorialStep } from '../types.js';
import { answerLine, ctx, curlLine, curlStatusLine, decodeLine, guarded, kc, npmLab, tokenCmd } from './common.js';
import { decodeJwt } from '../../keycloak/tokens.js';

const kidsOf = (jwks: { keys: Array<Record<string, unknown>> }) =>
  jwks.keys.filter((k) => k.use !== 'enc' && typeof k.kid === 'string').map((k) => k.kid as string);

export const realmPerTenant: TutorialStep = {
  id: 'exercise-1-realm-per-tenant',
  source: 'Exercise 1',
  title: 'Why one realm per tenant?',
  explain: () => [
    'A realm is a wall: its own signing keys, its own users and passwords, its own admins and its own identity-provider links. A leaked key or a careless admin in one tenant\'s realm cannot mint or read anything in another\'s. One realm with groups is simpler to run, but then the only thing keeping tenants apart is group naming.',
    'The lab has a second tenant realm, tenant-globex. Compare the key ids both realms publish, then send a valid globex token to the bookstore gateway: the signature is fine, the user is real, and it still gets 401 because the gateway trusts a single issuer. Realm-per-tenant costs one realm to provision per tenant; it pays off while tenants number in the hundreds.',
  ],
  commands: (cfg: LabConfig) => [
    `for realm in bookstore-platform tenant-globex; do echo "$realm:"; curl -s ${kc(cfg)}/realms/$realm/protocol/openid-connect/certs | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).keys.map(k => "  " + k.kid + " " + k.use).join("\\n")'; done`,
    `GLOBEX=${tokenCmd(cfg, 'globex-user', 'globex-portal', 'tenant-globex')}`,
    curlLine(cfg, '/api/books', 'GLOBEX'),
    npmLab(cfg, 'lab', ['doctor', '--token "$GLOBEX"']),
  ],
  verify: ({ lab, region }) =>
    guarded(async (c) => {
      const a = kidsOf(await lab.keycloakJwks(PRIMARY_REALM));
      const b = kidsOf(await lab.keycloakJwks('tenant-globex'));
      c.that(a.length > 0 && b.length > 0 && !a.some((k) => b.includes(k)), 'the two realms sign with different keys', `bookstore-platform ${a.join(',')} | tenant-globex ${b.join(',')}`);
      const globex = await lab.token({ realm: 'tenant-globex', client: 'globex-portal', user: 'globex-user' });
      c.add(answerLine(`${region}: a valid tenant-globex token at the bookstore gateway`, await lab.gateway(region, '/api/books', { token: globex }), 401, 'Jwt issuer is not configured'));
    }),
  hints: ['`npm run lab -- doctor --token <globex token>` shows the issuer comparison with the differing characters marked.'],
};

export const irsaDiagnosis: TutorialStep = {
  id: 'exercise-2-irsa-diagnosis',
  source: 'Exercise 2',
  title: 'IRSA: "Could not load credentials from any provider"',
  explain: () => [
    'Walk the chain from the Pod outwards. (1) Did the webhook inject anything? Without AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE in the container, the SDK never tries web identity. (2) Is the projected token mounted where that variable points? (3) Does the IAM role\'s trust policy name exactly system:serviceaccount:<namespace>:<name>? A trust policy copied from another cluster or namespace is the usual culprit; a wildcard "fixes" it and fails review. (4) Is the token\'s aud sts.amazonaws.com? (5) Is this cluster\'s OIDC issuer registered as an identity provider in the account?',
    'On kind you can check the Kubernetes half: the annotation and what Kubernetes puts in the projected token. The AWS half (webhook, trust policy, OIDC provider) does not exist locally; that is exactly why the symptom would appear here.',
  ],
  unsupported: (cfg) =>
    cfg.target === 'local' ? 'the local target has no Kubernetes API or ServiceAccounts; the IRSA checks need kind.' : undefined,
  commands: () => [
    `kubectl --context ${ctx()} -n ${TENANT_NAMESPACE} get sa catalog-irsa-sa -o jsonpath='{.metadata.annotations}'; echo`,
    `kubectl --context ${ctx()} -n ${TENANT_NAMESPACE} get deploy catalog -o jsonpath='{.spec.template.spec.serviceAccountName}'; echo`,
    `SA_JWT=$(kubectl --context ${ctx()} -n ${TENANT_NAMESPACE} create token catalog-irsa-sa --audience sts.amazonaws.com)`,
    decodeLine('SA_JWT'),
    `kubectl --context ${ctx()} -n ${TENANT_NAMESPACE} exec deploy/catalog -- env | grep ^AWS_ || echo "no AWS_* variables: no IRSA webhook on kind (check 1 fails here, as expected)"`,
  ],
  verify: ({ lab, region }) =>
    guarded(async (c) => {
      if (!lab.kubectl) {
        c.fail('kubectl is not available for this target');
        return;
      }
      const dep = await lab.kubectl(region, ['-n', TENANT_NAMESPACE, 'get', 'deploy', 'catalog', '-o', 'jsonpath={.spec.template.spec.serviceAccountName}']);
      c.that(dep.stdout.trim() === 'catalog-irsa-sa', 'the catalog Deployment runs as catalog-irsa-sa', dep.stdout.trim() || dep.stderr.trim());
      const t = await lab.kubectl(region, ['-n', TENANT_NAMESPACE, 'create', 'token', 'catalog-irsa-sa', '--audience', 'sts.amazonaws.com']);
      if (t.exitCode !== 0) {
        c.fail(`kubectl create token: ${t.stderr.trim()}`);
        return;
      }
      const claims = decodeJwt(t.stdout.trim()).payload;
      c.that(claims.sub === `system:serviceaccount:${TENANT_NAMESPACE}:catalog-irsa-sa`, 'sub the trust policy must name', String(claims.sub));
      c.that(audList(claims).includes('sts.amazonaws.com'), 'aud', JSON.stringify(claims.aud));
      c.note(`issuer to register as the account's OIDC provider: ${String(claims.iss)}`);
    }),
  hints: ['Compare `sub` with the trust policy\'s condition character by character; it must include the namespace.'],
};

export const expiredWithoutPolicy: TutorialStep = {
  id: 'exercise-3-requestauthentication-alone',
  source: 'Exercise 3',
  title: 'RequestAuthentication without an AuthorizationPolicy',
  explain: () => [
    'Take the AuthorizationPolicies away and keep only the RequestAuthentication. A request WITHOUT a token now reaches the backend (200): nothing requires a principal. A request with an EXPIRED token is still refused with 401 "Jwt is expired": RequestAuthentication does validate every token that is present.',
    'So verification and enforcement are separate jobs, and the missing AuthorizationPolicy is the hole: it lets anonymous requests in, not bad tokens. The fix is the policy pair the lab ships.',
  ],
  errata: [
    'The chapter\'s answer says an expired token returns 200 when only RequestAuthentication exists. It does not: an expired token is refused with 401 by jwt_authn, whatever the AuthorizationPolicies say. Only a MISSING token slips through.',
  ],
  commands: (cfg) => [
    npmLab(cfg, 'tutorial', ['break', 'requestauthentication-without-authorizationpolicy']),
    `echo "no token:"; ${curlStatusLine(cfg, '/api/books')}`,
    `EXPIRED=$(${npmLab(cfg, 'tutorial', ['token', '--expired'])})`,
    `echo "expired token:"; ${curlLine(cfg, '/api/books', 'EXPIRED')}`,
    npmLab(cfg, 'lab', ['doctor', '--path /api/books']),
    npmLab(cfg, 'tutorial', ['fix', 'requestauthentication-without-authorizationpolicy']),
    `echo "after the fix, no token:"; ${curlLine(cfg, '/api/books')}`,
  ],
  verify: (stepCtx) =>
    guarded(async (c) => {
      const { lab, region } = stepCtx;
      const sc = scenario('requestauthentication-without-authorizationpolicy');
      await sc.break({ cfg: stepCtx.cfg, lab });
      try {
        c.add(answerLine(`${region}: no token, RequestAuthentication only`, await lab.gateway(region, '/api/books'), 200));
        const expired = await lab.forgedToken(-120);
        c.add(answerLine(`${region}: token expired 120 s ago, RequestAuthentication only`, await lab.gateway(region, '/api/books', { token: expired }), 401, 'Jwt is expired'));
      } finally {
        await sc.fix({ cfg: stepCtx.cfg, lab });
      }
      c.add(answerLine(`${region}: no token after the fix`, await lab.gateway(region, '/api/books'), 403, 'RBAC: access denied'), 'npm run lab:reset');
    }),
  hints: ['If the last check fails the policies were not restored: `npm run lab:reset`.'],
};

export const rotationGap: TutorialStep = {
  id: 'exercise-4-rotation-gap',
  source: 'Exercise 4',
  title: 'After a key rotation, new tokens fail for a while',
  explain: (cfg) => [
    'Keycloak starts signing with the new key the moment it is active. The gateway keeps the JWKS it fetched last until its next refresh, so for up to one refresh interval every NEW token names a kid the gateway does not have, while tokens signed before the rotation still pass. That is the "some requests fail" pattern: only fresh logins break.',
    `The fixes: stage the key (add it passive first, let one refresh publish it everywhere, then make it active), keep the old key passive for the longest token lifetime plus one refresh, and know your refresh interval (istiod: 20 min by default; this lab ${cfg.target === 'kind' ? 'sets 30 s' : 'uses 30 s'}). \`lab doctor\` tells you when the kid is missing from what the gateway holds.`,
  ],
  errata: [
    'The chapter says these requests fail with "invalid signature". Envoy\'s body for a kid it does not hold is "Jwks doesn\'t have key to match kid or alg from Jwt" (401); "Jwt verification fails" is for a signature that does not match a key it has.',
    'The chapter\'s fix (c), invalidating the cache with `istioctl proxy-config`, does not exist: the keys are inlined by istiod, so you wait for its refresh (or restart istiod).',
  ],
  commands: (cfg) => [
    npmLab(cfg, 'tutorial', ['break', 'rotation-gap']),
    `NEW=${tokenCmd(cfg)}`,
    curlLine(cfg, '/api/books', 'NEW'),
    npmLab(cfg, 'lab', ['doctor', '--token "$NEW"']),
    npmLab(cfg, 'tutorial', ['wait-jwks', '--token "$NEW"']),
    curlStatusLine(cfg, '/api/books', 'NEW'),
    npmLab(cfg, 'tutorial', ['fix', 'rotation-gap']),
  ],
  verify: (stepCtx) =>
    guarded(async (c) => {
      // The commands above watched the gap close (wait-jwks). The check re-opens it
      // briefly to prove the symptom and its diagnosis, without waiting it out.
      const { lab, region, cfg } = stepCtx;
      const sc = scenario('rotation-gap');
      await sc.break({ cfg, lab });
      try {
        const fresh = await lab.token({ client: 'admin-portal', user: 'demo-user' });
        c.add(answerLine(`${region}: a token issued right after the rotation`, await lab.gateway(region, '/api/books', { token: fresh }), 401, "Jwks doesn't have key to match kid or alg from Jwt"));
        const { runDoctor } = await import('../../doctor/run.js');
        const report = await runDoctor({ cfg, lab, region, method: 'GET', path: '/api/books', token: fresh, send: false });
        const cause = report.causes.find((x) => x.includes('rotation gap'));
        c.that(cause !== undefined, 'lab doctor names the rotation gap', cause ?? report.causes.join(' | '));
      } finally {
        await sc.fix({ cfg, lab });
      }
      const after = await lab.token({ client: 'admin-portal', user: 'demo-user' });
      c.add(answerLine(`${region}: a fresh token after the fix`, await lab.gateway(region, '/api/books', { token: after }), 200), 'npm run lab:reset');
    }),
  hints: ['The gap ends by itself after one refresh interval; `npm run tutorial -- fix rotation-gap` removes the extra key.'],
};

export const statusCodes: TutorialStep = {
  id: 'exercise-5-status-codes',
  source: 'Exercise 5',
  title: 'Valid, expired, wrong realm, wrong audience: which status?',
  explain: () => [
    'Each failure has its own answer, and knowing them by heart shortens every incident. A valid token: 200. Expired beyond the clock skew: 401 "Jwt is expired". From another realm (issuer not configured): 401 "Jwt issuer is not configured". Right realm but no accepted audience: 403 "Audiences in Jwt are not allowed", from jwt_authn itself, not from an AuthorizationPolicy.',
    'Envoy allows 60 s of clock skew: a token that expired 30 s ago still passes. To see "Jwt is expired" the lab signs a token with the realm\'s own key that expired two minutes ago.',
  ],
  errata: [
    'The chapter puts the wrong-audience case under 401 and says an AuthorizationPolicy may turn failures into 403. In fact the wrong audience is already 403 from jwt_authn, and a wrong-realm token gets 401 before any AuthorizationPolicy runs.',
    'The chapter says Istio allows ±10 s of clock skew. Envoy\'s default is 60 s and Istio does not change it.',
  ],
  commands: (cfg) => [
    npmLab(cfg, 'labs', ['valid-token', 'expired-token', 'wrong-realm', 'wrong-audience']),
    `JWT=${tokenCmd(cfg, 'demo-user', 'catalog-reporting')}`,
    npmLab(cfg, 'lab', ['doctor', '--token "$JWT"']),
  ],
  verify: ({ lab, region }) =>
    guarded(async (c) => {
      c.add(answerLine(`${region}: valid token`, await lab.gateway(region, '/api/books', { token: await lab.token({ client: 'admin-portal', user: 'demo-user' }) }), 200));
      c.add(answerLine(`${region}: expired 30 s ago (inside the 60 s skew)`, await lab.gateway(region, '/api/books', { token: await lab.forgedToken(-30) }), 200));
      c.add(answerLine(`${region}: expired 120 s ago`, await lab.gateway(region, '/api/books', { token: await lab.forgedToken(-120) }), 401, 'Jwt is expired'));
      c.add(answerLine(`${region}: wrong realm (tenant-globex)`, await lab.gateway(region, '/api/books', { token: await lab.token({ realm: 'tenant-globex', client: 'globex-portal', user: 'globex-user' }) }), 401, 'Jwt issuer is not configured'));
      c.add(answerLine(`${region}: wrong audience (catalog-reporting: aud=account)`, await lab.gateway(region, '/api/books', { token: await lab.token({ client: 'catalog-reporting', user: 'demo-user' }) }), 403, 'Audiences in Jwt are not allowed'));
    }),
  hints: ['`npm run labs -- <id>` prints the curl command and the reason for each of these.'],
};

export const EXERCISES: TutorialStep[] = [realmPerTenant, irsaDiagnosis, expiredWithoutPolicy, rotationGap, statusCodes];
