// The chapter's seven hands-on steps, as the lab runs them. Each explains in
// our words, shows commands that work on this target, and checks the result.
import { ISTIO_VERSION, JWKS_PATH, KEYCLOAK_CHART_VERSION, KEYCLOAK_VERSION, PRIMARY_REALM, REALMS, TENANT_NAMESPACE, issuerFor } from '../../core/config.js';
import type { TutorialStep } from '../types.js';
import { answerLine, ctx, curlLine, curlStatusLine, decodeLine, guarded, gw, kc, npmLab, tokenCmd } from './common.js';
import { audList } from '../../doctor/decode.js';
import { jwtRulesOf, policyNames } from './policy-facts.js';
import { decodeJwt } from '../../keycloak/tokens.js';

const KIND_ONLY_SA = 'the local target has no Kubernetes API, so there is no ServiceAccount to annotate. The manifest (manifests/40-catalog.yaml) is applied on kind; run this step there.';

export const installIstio: TutorialStep = {
  id: 'install-istio',
  source: 'Hands-on 1',
  title: `Istio ${ISTIO_VERSION} ambient and the ingress gateway`,
  explain: (cfg) => [
    `Istio is installed with Helm, pinned to ${ISTIO_VERSION}, in a fixed order: base (the CRDs), istiod with the ambient profile (the control plane that turns RequestAuthentication and AuthorizationPolicy into Envoy configuration), cni, ztunnel, and last the gateway chart released as istio-ingressgateway. The release name matters: the chart trims "istio-" and labels the pods istio=ingressgateway, which is exactly what every policy in this lab selects.`,
    'Two details the chapter skips: the ambient profile runs the distroless images, and the gateway chart fills in its image through istiod\'s injector, so istiod must be ready first. On kind there is no cloud load balancer, so the lab makes the gateway Service a NodePort with fixed ports that kind maps to your machine.',
    cfg.target === 'local'
      ? 'You are on the LOCAL target: there is no Kubernetes and no Istio to install. Each region runs an emulated ingress gateway that loads the same policy manifests and asks the lab\'s decision engine what Envoy 1.31 (Istio 1.23.2) would do: same status codes, same bodies. The check below proves each region\'s gateway answers.'
      : 'The lab already ran these installs in every region (`npm run lab:up`). The check below reads the Helm releases and proves each region\'s gateway answers.',
  ],
  commands: (cfg) =>
    cfg.target === 'kind'
      ? [
          `helm --kube-context ${ctx()} list -n istio-system`,
          `kubectl --context ${ctx()} -n istio-system get deploy,svc`,
          ...cfg.regions.map((r) => curlStatusLine(cfg, '/static/index.html', undefined, r)),
        ]
      : [`npm run -s lab:status -- --target local`, ...cfg.regions.map((r) => curlStatusLine(cfg, '/static/index.html', undefined, r))],
  verify: ({ cfg, lab }) =>
    guarded(async (c) => {
      if (cfg.target === 'kind' && lab.kubectl) {
        for (const region of cfg.regions) {
          const r = await lab.kubectl(region, ['-n', 'istio-system', 'get', 'deploy', 'istiod', 'istio-ingressgateway', '-o', 'name']);
          c.that(r.exitCode === 0, `${region}: istiod and istio-ingressgateway deployments`, r.exitCode === 0 ? 'present' : r.stderr.trim(), 'npm run lab:up -- --target kind   (it resumes where it stopped)');
        }
      }
      for (const region of cfg.regions) {
        const ans = await lab.gateway(region, '/static/index.html');
        c.add(answerLine(`${region} gateway ${gw(cfg, region)}/static/index.html`, ans, 200), `is the ${region} gateway up? npm run lab:status -- --target ${cfg.target}`);
      }
    }),
  hints: ['`npm run lab:status` shows each region\'s gateway and its URL; `npm run lab:up` brings up whatever is missing.'],
};

export const installKeycloak: TutorialStep = {
  id: 'install-keycloak',
  source: 'Hands-on 2',
  title: `Keycloak ${KEYCLOAK_VERSION} with the realms imported and the issuer pinned`,
  explain: (cfg) => [
    cfg.target === 'kind'
      ? `Keycloak runs in us-east from the Bitnami chart ${KEYCLOAK_CHART_VERSION} (Keycloak ${KEYCLOAK_VERSION}), installed from the OCI registry with the bitnamilegacy images. The realm files are mounted from a Secret into data/import and read once with --import-realm.`
      : `Keycloak ${KEYCLOAK_VERSION} runs as a plain Java process (the same version the kind chart ships), started with --import-realm on the lab's realm files.`,
    'Import happens only when a realm does not exist yet: it never updates one. That is why `lab:reset` deletes and recreates the realms through the admin API instead of restarting Keycloak.',
    `The issuer is pinned. Keycloak 24 otherwise builds \`iss\` from whatever URL the caller used, so a token fetched through a port-forward and one fetched inside the cluster would carry different issuers, and the gateway compares issuers byte for byte. Here every token says ${issuerFor(cfg, PRIMARY_REALM)}, however Keycloak was reached.`,
  ],
  errata: [
    'The chapter installs from `helm repo add bitnami https://charts.bitnami.com/bitnami` with `--version 21.4.4`. That index no longer lists old versions reliably and the docker.io/bitnami images were removed in 2025: install `oci://registry-1.docker.io/bitnamicharts/keycloak --version 21.4.4` with `image.repository=bitnamilegacy/keycloak` and `postgresql.image.repository=bitnamilegacy/postgresql`.',
    'The chapter\'s RequestAuthentication trusts `https://keycloak.bookstore-platform.example.com/realms/...` while its own demo token says `http://localhost:8090/realms/...`. Those strings differ, so every token would get 401 "Jwt issuer is not configured". Pin Keycloak\'s hostname and copy the issuer exactly.',
  ],
  commands: (cfg) => [
    ...(cfg.target === 'kind' ? [`kubectl --context ${ctx()} -n keycloak get pods`] : []),
    ...REALMS.map(
      (realm) =>
        `curl -s ${kc(cfg)}/realms/${realm}/.well-known/openid-configuration | node -pe 'const d = JSON.parse(require("fs").readFileSync(0, "utf8")); d.issuer + "\\n" + d.jwks_uri'`,
    ),
  ],
  verify: ({ cfg, lab }) =>
    guarded(async (c) => {
      for (const realm of REALMS) {
        const d = await lab.discovery(realm);
        const want = issuerFor(cfg, realm);
        c.that(d.issuer === want, `${realm} issuer`, d.issuer === want ? d.issuer : `${d.issuer} (expected ${want})`, 'the issuer must be pinned: Keycloak runs with --hostname-url');
        c.that(d.jwks_uri.endsWith(JWKS_PATH(realm)), `${realm} jwks_uri`, d.jwks_uri);
      }
    }),
  hints: ['If Keycloak does not answer, `npm run lab:status` shows its process (local) or pod (kind).'],
};

export const getJwt: TutorialStep = {
  id: 'get-jwt',
  source: 'Hands-on 3',
  title: 'Get a JWT for demo-user and read its claims',
  explain: () => [
    'The quickest way to a token is the password grant on admin-portal. It exists for this demo only: users should never type passwords into your app, and production turns direct grants off everywhere. storefront-web, the browser client, refuses it and only does authorization code + PKCE.',
    'admin-portal is a confidential client. Its secret is not in the repo (the chapter\'s REPLACE-ME placeholder would be a real leak); the lab generates one per lab into .lab/secrets, readable only by you, and Keycloak reads it from the environment at import.',
    'Look at three claims: `iss` (must equal the jwtRule issuer byte for byte), `aud` (must share a value with the jwtRule audiences), and `tenant` (from the group attribute of tenant-acme-books-admins; the AuthorizationPolicy requires it).',
  ],
  errata: [
    'The chapter shows `"aud": "account"`. That is Keycloak\'s default, and it is not a client id: with `audiences: ["storefront-web"]` such a token gets 403 "Audiences in Jwt are not allowed". The lab\'s realm adds audience mappers so `aud` names the clients the RequestAuthentication lists.',
  ],
  commands: (cfg) => [
    `SECRET=$(${npmLab(cfg, 'tutorial', ['client-secret', 'admin-portal'])})`,
    `JWT=$(curl -s -d grant_type=password -d client_id=admin-portal -d "client_secret=$SECRET" \\
  -d username=demo-user -d password=demo-password -d scope=openid \\
  ${kc(cfg)}/realms/${PRIMARY_REALM}/protocol/openid-connect/token \\
  | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`,
    decodeLine('JWT'),
  ],
  verify: ({ cfg, lab, region }) =>
    guarded(async (c) => {
      const token = await lab.token({ client: 'admin-portal', user: 'demo-user' });
      const claims = decodeJwt(token).payload;
      const iss = issuerFor(cfg, PRIMARY_REALM);
      c.that(claims.iss === iss, 'iss', String(claims.iss));
      const { value: docs } = await lab.view.policies(region);
      const audiences = jwtRulesOf(docs).flatMap((r) => r.audiences ?? []);
      const aud = audList(claims);
      c.that(aud.some((a) => audiences.includes(a)), 'aud shares a value with the jwtRule audiences', `aud ${JSON.stringify(aud)} vs audiences ${JSON.stringify(audiences)}`);
      c.that(claims.tenant === 'acme-books', 'tenant claim', JSON.stringify(claims.tenant));
      c.that(typeof claims.sub === 'string' && claims.sub.length > 0, 'sub (requestPrincipals needs iss and sub)', String(claims.sub));
    }),
  hints: ['A 401 from the token endpoint with "unauthorized_client" means the client does not allow direct grants (that is storefront-web\'s job: use admin-portal here).'],
};

export const applyPolicies: TutorialStep = {
  id: 'apply-policies',
  source: 'Hands-on 4',
  title: 'RequestAuthentication verifies, AuthorizationPolicy enforces',
  explain: () => [
    'Two resources, two jobs. RequestAuthentication (storefront-keycloak) says which issuers the gateway trusts, where their keys are and which audiences count. It rejects a BAD token, but a request with NO token goes through it untouched.',
    'The AuthorizationPolicies decide who gets in: allow-public-static lets anyone GET /static/*; require-jwt-api admits /api/* only with a verified principal (`requestPrincipals: ["*"]`, which needs non-empty iss and sub) that carries a tenant claim (`values: ["*"]`, any non-empty value). Once any ALLOW policy selects the gateway, everything it does not allow is refused.',
    'deny-all is DENY, and DENY is evaluated before ALLOW. So this one only matches paths outside /api/* and /static/* (notPaths): it states the intent without shadowing the allows.',
  ],
  errata: [
    'The chapter\'s presence check `notValues: [""]` is refused by istiod\'s validating webhook (empty value not allowed), and notValues matches when the claim is ABSENT anyway. `values: ["*"]` is the presence check. Try it: `npm run tutorial -- break notvalues-empty`.',
    'A deny-all that matches everything overrides both ALLOW policies: every request, even /static with no token, gets 403. Try it: `npm run tutorial -- break deny-all-shadowing`.',
  ],
  commands: (cfg) =>
    cfg.target === 'kind'
      ? [
          `kubectl --context ${ctx()} get requestauthentication,authorizationpolicy -n istio-system`,
          npmLab(cfg, 'lab', ['lint']),
        ]
      : [npmLab(cfg, 'tutorial', ['show-policies']), npmLab(cfg, 'lab', ['lint'])],
  verify: ({ cfg, lab, region }) =>
    guarded(async (c) => {
      for (const r of cfg.regions) {
        const { value: docs, source } = await lab.view.policies(r);
        const names = policyNames(docs);
        c.note(`${r}: policies from ${source}`);
        c.that(names.includes('RequestAuthentication/istio-system/storefront-keycloak'), `${r}: RequestAuthentication storefront-keycloak`, names.filter((n) => n.startsWith('Req')).join(', ') || 'none');
        for (const ap of ['allow-public-static', 'require-jwt-api', 'deny-all']) {
          c.that(names.includes(`AuthorizationPolicy/istio-system/${ap}`), `${r}: AuthorizationPolicy ${ap}`, names.includes(`AuthorizationPolicy/istio-system/${ap}`) ? 'enforced' : 'missing', 'npm run lab:reset');
        }
        const issuers = jwtRulesOf(docs).map((x) => x.issuer);
        c.that(issuers.includes(issuerFor(cfg, PRIMARY_REALM)), `${r}: jwtRule issuer is the pinned issuer`, JSON.stringify(issuers), 'npm run lab:reset');
      }
      // deny-all must not shadow the allows: a public page still answers.
      c.add(answerLine(`${region}: /static/index.html without a token`, await lab.gateway(region, '/static/index.html'), 200), 'a DENY policy matches /static: npm run lab:reset');
    }),
  hints: ['`npm run lab:reset` puts the shipped policies back in every region.'],
};

export const curlTest: TutorialStep = {
  id: 'curl-test',
  source: 'Hands-on 5',
  title: 'The curl test: 403 without a token, 200 with one',
  explain: (cfg) => [
    'Now the whole path: client -> gateway (TLS) -> jwt_authn -> RBAC -> catalog backend. The backend echoes the decoded x-jwt-payload it received, so a 200 here proves the token was verified and its claims reached the service.',
    `Without a token the answer is 403 "RBAC: access denied": jwt_authn lets a tokenless request through, then require-jwt-api finds no principal. 401 is kept for tokens that are present and wrong (expired, bad signature, unknown issuer).${cfg.regions.length > 1 ? ' The same holds in every region: all of them trust the one us-east Keycloak.' : ''}`,
  ],
  errata: [
    'The chapter expects 401 for a request without a token. Real Istio answers 403 "RBAC: access denied" with this policy set; with a RequestAuthentication alone it would even pass.',
    'The chapter\'s curl to https://localhost:8443 assumes things it never installs: a Gateway and VirtualService routing /api/* and /static/*, a TLS credential, a reachable port and a backend. The lab ships all of them, so the 200 is a real answer from a real service.',
  ],
  commands: (cfg) => [
    curlLine(cfg, '/api/books'),
    `JWT=${tokenCmd(cfg)}`,
    curlStatusLine(cfg, '/api/books', 'JWT'),
    `curl -sk -H "Authorization: Bearer $JWT" ${gw(cfg)}/api/books | node -pe 'const b = require("fs").readFileSync(0, "utf8"); try { "backend received: " + JSON.stringify(JSON.parse(b).receivedJwtPayload) } catch { "not the backend: " + b }'`,
    ...cfg.regions.slice(1).map((r) => curlStatusLine(cfg, '/api/books', 'JWT', r)),
  ],
  verify: ({ cfg, lab }) =>
    guarded(async (c) => {
      const token = await lab.token({ client: 'admin-portal', user: 'demo-user' });
      for (const region of cfg.regions) {
        c.add(answerLine(`${region}: /api/books without a token`, await lab.gateway(region, '/api/books'), 403, 'RBAC: access denied'));
        const ok = await lab.gateway(region, '/api/books', { token });
        c.add(answerLine(`${region}: /api/books with demo-user's token`, ok, 200));
        const payload = (ok.json as { receivedJwtPayload?: Record<string, unknown> } | undefined)?.receivedJwtPayload;
        c.that(payload?.tenant === 'acme-books', `${region}: backend received the verified tenant claim`, JSON.stringify(payload?.tenant ?? null));
      }
    }),
  hints: [
    'Refused with a token? `npm run lab -- doctor --user demo-user --client admin-portal` names the check (401) or the policy (403) that refused it.',
    '`npm run lab:reset` puts the shipped policies and realms back if something was changed.',
  ],
};

export const irsaServiceAccount: TutorialStep = {
  id: 'irsa-serviceaccount',
  source: 'Hands-on 6',
  title: 'The IRSA-annotated ServiceAccount (workload identity)',
  explain: () => [
    'Workloads do not use Keycloak tokens. On EKS, the catalog Pod runs as catalog-irsa-sa; the role-arn annotation tells the pod identity webhook to mount a projected ServiceAccount token (audience sts.amazonaws.com) and set AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE. The AWS SDK trades that token with STS for short-lived credentials. No key is stored anywhere.',
    'kind has no such webhook, so here the annotation is only the shape of the contract. What is real: Kubernetes issues the projected token itself, with its own issuer, `sub` system:serviceaccount:<ns>:<sa> and the STS audience. That token is for AWS, not for the gateway (try it with `npm run labs -- workload-identity`).',
  ],
  unsupported: (cfg) => (cfg.target === 'local' ? KIND_ONLY_SA : undefined),
  commands: () => [
    `kubectl --context ${ctx()} -n ${TENANT_NAMESPACE} get sa catalog-irsa-sa -o jsonpath='{.metadata.annotations}'; echo`,
    `SA_JWT=$(kubectl --context ${ctx()} -n ${TENANT_NAMESPACE} create token catalog-irsa-sa --audience sts.amazonaws.com)`,
    decodeLine('SA_JWT'),
  ],
  verify: ({ lab, region }) =>
    guarded(async (c) => {
      if (!lab.kubectl) {
        c.fail('kubectl is not available for this target');
        return;
      }
      const r = await lab.kubectl(region, ['-n', TENANT_NAMESPACE, 'get', 'sa', 'catalog-irsa-sa', '-o', 'json']);
      if (r.exitCode !== 0) {
        c.fail(`ServiceAccount catalog-irsa-sa: ${r.stderr.trim()}`, 'npm run lab:reset -- --target kind');
        return;
      }
      const ann = ((JSON.parse(r.stdout) as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations) ?? {};
      const arn = ann['eks.amazonaws.com/role-arn'] ?? '';
      c.that(/^arn:aws:iam::\d{12}:role\/.+/.test(arn), 'role-arn annotation', arn || 'missing');
      c.that(ann['eks.amazonaws.com/audience'] === 'sts.amazonaws.com', 'audience annotation', ann['eks.amazonaws.com/audience'] ?? 'missing');
      const t = await lab.kubectl(region, ['-n', TENANT_NAMESPACE, 'create', 'token', 'catalog-irsa-sa', '--audience', 'sts.amazonaws.com']);
      if (t.exitCode === 0) {
        const claims = decodeJwt(t.stdout.trim()).payload;
        c.that(audList(claims).includes('sts.amazonaws.com'), 'projected token aud', JSON.stringify(claims.aud));
        c.that(claims.sub === `system:serviceaccount:${TENANT_NAMESPACE}:catalog-irsa-sa`, 'projected token sub', String(claims.sub));
      } else c.fail(`kubectl create token: ${t.stderr.trim()}`);
    }),
  hints: ['The annotation lives in manifests/40-catalog.yaml; `npm run lab:reset -- --target kind` re-applies it.'],
};

export const jwksRotation: TutorialStep = {
  id: 'jwks-rotation',
  source: 'Hands-on 7',
  title: 'Rotate the signing key without breaking anyone',
  explain: (cfg) => [
    'A safe rotation in Keycloak: add a new RSA key with a higher priority (it signs every new token) and make the old one passive. Passive keys stay in the JWKS, so tokens signed before the rotation keep verifying until they expire. Remove the old key only after the longest token lifetime plus one JWKS refresh.',
    `The gateway does not ask Keycloak per request. istiod fetches the JWKS and inlines it into Envoy's configuration, then refreshes it on a timer. Until that refresh, a token signed with the new key names a kid the gateway has never seen: 401. On this lab the timer is ${cfg.target === 'kind' ? 'PILOT_JWT_PUB_KEY_REFRESH_INTERVAL=30s on istiod' : 'the local gateway\'s refresh interval (30 s by default, the same as istiod on kind)'}, so you see the gap and its end within a minute.`,
  ],
  errata: [
    'The chapter says Istio refreshes the JWKS every 5 minutes and that `jwksRefresh: 10m` in the mesh config changes it. Istio 1.23 has no such mesh-config field: istiod refreshes every 20 minutes by default, set by its environment variable PILOT_JWT_PUB_KEY_REFRESH_INTERVAL.',
  ],
  commands: (cfg) => [
    `OLD=${tokenCmd(cfg)}`,
    npmLab(cfg, 'tutorial', ['rotate-key']),
    `NEW=${tokenCmd(cfg)}`,
    `echo "new token right away:"; ${curlStatusLine(cfg, '/api/books', 'NEW')}`,
    npmLab(cfg, 'tutorial', ['wait-jwks', '--token "$NEW"']),
    `echo "new token after the refresh:"; ${curlStatusLine(cfg, '/api/books', 'NEW')}`,
    `echo "old token (its key is passive, still published):"; ${curlStatusLine(cfg, '/api/books', 'OLD')}`,
  ],
  verify: ({ cfg, lab }) =>
    guarded(async (c) => {
      const admin = await lab.admin();
      const providers = (await admin.listKeyProviders(PRIMARY_REALM)).filter((p) => ['rsa', 'rsa-generated'].includes(p.providerId));
      const active = providers.filter((p) => (p.config.active?.[0] ?? 'true') === 'true' && (p.config.enabled?.[0] ?? 'true') === 'true');
      const passive = providers.filter((p) => p.config.active?.[0] === 'false' && (p.config.enabled?.[0] ?? 'true') === 'true');
      c.that(providers.length >= 2, 'Keycloak has more than one RSA key provider', providers.map((p) => `${p.name}(${p.providerId})`).join(', '), `run: ${npmLab(cfg, 'tutorial', ['rotate-key'])}`);
      c.that(passive.length >= 1, 'an old key is passive (still verifies, signs nothing)', passive.map((p) => p.name).join(', ') || 'none');
      c.that(active.length >= 1, 'a key is active', active.map((p) => p.name).join(', ') || 'none');
      const fresh = await lab.token({ client: 'admin-portal', user: 'demo-user' });
      const old = await lab.forgedToken(300);
      for (const region of cfg.regions) {
        c.add(answerLine(`${region}: token signed with the new key`, await lab.gateway(region, '/api/books', { token: fresh }), 200), `the gateway has not refreshed yet: ${npmLab(cfg, 'tutorial', ['wait-jwks'])}`);
        c.add(answerLine(`${region}: token signed with the old (passive) key`, await lab.gateway(region, '/api/books', { token: old }), 200));
      }
    }),
  hints: ['New tokens still refused? The gateway refreshes on a timer: wait one interval (`npm run tutorial -- wait-jwks`) and check again.'],
};

export const HANDS_ON: TutorialStep[] = [installIstio, installKeycloak, getJwt, applyPolicies, curlTest, irsaServiceAccount, jwksRotation];
