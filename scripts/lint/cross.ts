// Realm <-> policy cross-checks that need no request evaluation: the issuer
// string, the audiences, the claims the policies require, and the routing the
// lab's URLs depend on.
import { REALMS, issuerFor, type RealmName } from '../core/config.js';
import { CANONICAL_CONFIG, CATALOG, GATEWAY_TLS_SECRET } from '../manifests/index.js';
import type { SourcedDoc } from '../manifests/index.js';
import { fieldPath } from './paths.js';
import { clientsOf, type MapperRep } from './realm-rules.js';
import { objectName, type Finding, type SourcedRealm } from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = <T = unknown>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** Claims Keycloak 24 puts in an access token without any custom mapper. */
const BUILTIN_CLAIMS = new Set([
  'iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'nbf', 'typ', 'azp', 'sid', 'session_state', 'scope', 'acr', 'auth_time',
  'allowed-origins', 'realm_access', 'resource_access', 'email', 'email_verified', 'name', 'preferred_username',
  'given_name', 'family_name', 'nonce',
]);

/** The pinned issuer of each realm, as the shipped files must spell it. */
export function pinnedIssuers(): Map<string, RealmName> {
  return new Map(REALMS.map((r) => [issuerFor(CANONICAL_CONFIG, r), r]));
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Every protocol mapper of a realm: on clients and in client scopes. */
function mappersOf(r: SourcedRealm): Array<{ owner: string; mapper: MapperRep }> {
  const out: Array<{ owner: string; mapper: MapperRep }> = [];
  for (const c of clientsOf(r)) for (const m of c.protocolMappers ?? []) out.push({ owner: `client ${c.clientId}`, mapper: m });
  for (const s of arr<{ name?: string; protocolMappers?: MapperRep[] }>(r.doc.clientScopes)) {
    for (const m of s.protocolMappers ?? []) out.push({ owner: `client scope ${s.name}`, mapper: m });
  }
  return out;
}

const inAccessToken = (m: MapperRep) => m.config?.['access.token.claim'] === 'true';

/** Audiences the realm's mappers put in access tokens, with who does it. */
export function issuedAudiences(r: SourcedRealm): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { owner, mapper } of mappersOf(r)) {
    if (mapper.protocolMapper !== 'oidc-audience-mapper' || !inAccessToken(mapper)) continue;
    for (const aud of [mapper.config?.['included.client.audience'], mapper.config?.['included.custom.audience']]) {
      if (aud) out.set(aud, [...(out.get(aud) ?? []), owner]);
    }
  }
  return out;
}

/** Top-level claim names custom mappers add to access tokens, with the mapper that does it. */
export function issuedClaims(r: SourcedRealm): Map<string, MapperRep[]> {
  const out = new Map<string, MapperRep[]>();
  for (const { mapper } of mappersOf(r)) {
    const name = mapper.config?.['claim.name'];
    if (!name || !inAccessToken(mapper)) continue;
    const top = name.split('.')[0]!;
    out.set(top, [...(out.get(top) ?? []), mapper]);
  }
  return out;
}

/** request.auth.claims[a][b] -> ['a', 'b'] */
export function claimPath(key: string): string[] | undefined {
  const m = /^request\.auth\.claims((?:\[[^\]]+\])+)$/.exec(key);
  return m ? [...m[1]!.matchAll(/\[([^\]]+)\]/g)].map((x) => x[1]!) : undefined;
}

interface RuleRef {
  s: SourcedDoc;
  rule: { issuer?: string; audiences?: string[] };
  index: number;
}

function jwtRules(docs: SourcedDoc[]): RuleRef[] {
  return docs
    .filter((s) => s.doc?.kind === 'RequestAuthentication')
    .flatMap((s) => arr<RuleRef['rule']>(obj(s.doc.spec).jwtRules).map((rule, index) => ({ s, rule: obj(rule) as RuleRef['rule'], index })));
}

/** Realms the gateway trusts: those whose pinned issuer a jwtRule names exactly. */
export function trustedRealms(docs: SourcedDoc[], realms: SourcedRealm[]): SourcedRealm[] {
  const issuers = new Set(jwtRules(docs).map((r) => r.rule.issuer));
  return realms.filter((r) => issuers.has(issuerFor(CANONICAL_CONFIG, r.doc.realm as RealmName)));
}

function issuerChecks(docs: SourcedDoc[], realms: SourcedRealm[], out: Finding[]): void {
  const pinned = pinnedIssuers();
  for (const { s, rule, index } of jwtRules(docs)) {
    const iss = rule.issuer;
    if (typeof iss !== 'string' || iss === '' || pinned.has(iss)) continue;
    const realm = [...pinned.entries()].find(([, r]) => iss.replace(/\/+$/, '').endsWith(`/realms/${r}`))?.[0]
      ?? issuerFor(CANONICAL_CONFIG, 'bookstore-platform');
    const at = firstDifference(iss, realm);
    out.push({
      severity: 'error', rule: 'issuer-mismatch', file: s.file, object: objectName(s.doc),
      field: fieldPath(['spec', 'jwtRules', index, 'issuer']),
      message: `issuer "${iss}" is not the pinned issuer of any realm; closest is "${realm}" (they differ from character ${at + 1}: "${iss.slice(at, at + 24)}" vs "${realm.slice(at, at + 24)}")`,
      runtime: 'Keycloak signs every token with iss = its pinned URL, so every request carrying a token gets 401 "Jwt issuer is not configured" (requests without a token still pass this filter)',
      fix: `set issuer to exactly "${realm}" (Keycloak is pinned to it with --hostname-url / KC_HOSTNAME_URL; lab shifts the port for LAB_PORT_OFFSET)`,
    });
  }
  for (const r of realms) {
    const frontend = obj(r.doc.attributes).frontendUrl;
    if (typeof frontend === 'string' && frontend && `${frontend.replace(/\/+$/, '')}/realms/${r.doc.realm}` !== issuerFor(CANONICAL_CONFIG, r.doc.realm as RealmName)) {
      out.push({
        severity: 'error', rule: 'issuer-mismatch', file: r.file, object: `realm ${r.doc.realm}`, field: 'attributes.frontendUrl',
        message: `frontendUrl "${frontend}" changes the realm's iss away from the pinned issuer`,
        runtime: `Keycloak puts iss = "${frontend.replace(/\/+$/, '')}/realms/${r.doc.realm}" in every token; the gateway answers 401 "Jwt issuer is not configured"`,
        fix: 'remove attributes.frontendUrl; the lab pins the hostname for the whole server',
      });
    }
  }
}

function audienceChecks(docs: SourcedDoc[], realms: SourcedRealm[], out: Finding[]): void {
  const pinned = pinnedIssuers();
  for (const { s, rule, index } of jwtRules(docs)) {
    const realmName = rule.issuer ? pinned.get(rule.issuer) : undefined;
    const realm = realms.find((r) => r.doc.realm === realmName);
    const audiences = arr<string>(rule.audiences);
    if (!realm || audiences.length === 0) continue;
    const issued = issuedAudiences(realm);
    const missing = audiences.filter((a) => !issued.has(a) && a !== 'account');
    if (missing.length === 0) continue;
    const none = missing.length === audiences.length;
    out.push({
      severity: none ? 'error' : 'warning',
      rule: 'audience-not-issued',
      file: s.file,
      object: objectName(s.doc),
      field: fieldPath(['spec', 'jwtRules', index, 'audiences']),
      message: none
        ? `no client of realm ${realm.doc.realm} puts any of [${audiences.join(', ')}] in aud (Keycloak's default aud is "account")`
        : `audience${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} listed but no client of realm ${realm.doc.realm} issues ${missing.length > 1 ? 'them' : 'it'}`,
      runtime: none
        ? 'every token of the realm carries aud "account" only: the gateway answers 403 "Audiences in Jwt are not allowed" to all of them'
        : 'harmless at run time (a token needs only one listed audience), but the listed value never matches anything',
      fix: `add an oidc-audience-mapper (included.client.audience: <clientId>, access.token.claim: "true") to the client in ${realm.file}${none ? '' : `, or drop ${missing.join(', ')} from audiences`}`,
    });
  }
}

function claimChecks(docs: SourcedDoc[], realms: SourcedRealm[], out: Finding[]): void {
  const trusted = trustedRealms(docs, realms);
  for (const s of docs) {
    if (s.doc?.kind !== 'AuthorizationPolicy') continue;
    const action = (obj(s.doc.spec).action as string | undefined) ?? 'ALLOW';
    arr(obj(s.doc.spec).rules).forEach((ruleV, i) => {
      arr<Obj>(obj(ruleV).when).forEach((cond, j) => {
        const path = typeof cond.key === 'string' ? claimPath(cond.key) : undefined;
        if (!path) return;
        const claim = path[0]!;
        const field = fieldPath(['spec', 'rules', i, 'when', j]);
        const values = arr<string>(cond.values);
        const notValues = arr<string>(cond.notValues);
        if (notValues.length > 0 && values.length === 0) {
          out.push({
            severity: 'warning', rule: 'notvalues-absent-claim', file: s.file, object: objectName(s.doc), field: `${field}.notValues`,
            message: `notValues on ${cond.key} also matches tokens that have no ${claim} claim (and requests with no token)`,
            runtime: action === 'ALLOW'
              ? `a token without ${claim} is ALLOWED by this rule: the condition is NOT(match) and an absent claim matches nothing`
              : `this DENY rule also fires for tokens without ${claim}`,
            fix: `to require the claim use values: ["*"]; combine with notValues only for exclusions`,
          });
        }
        if (BUILTIN_CLAIMS.has(claim) || trusted.length === 0) return;
        const producers = trusted.filter((r) => issuedClaims(r).has(claim));
        if (producers.length > 0) {
          tenantSourceChecks(producers, claim, s, field, out);
          return;
        }
        out.push({
          severity: action === 'ALLOW' && values.length > 0 ? 'error' : 'warning',
          rule: 'claim-not-issued', file: s.file, object: objectName(s.doc), field: `${field}.key`,
          message: `no mapper in realm ${trusted.map((r) => r.doc.realm).join(', ')} puts a "${claim}" claim in access tokens`,
          runtime: action === 'ALLOW' && values.length > 0
            ? `no token ever has ${claim}: every request matching only this rule gets 403 "RBAC: access denied", valid tokens included`
            : `the condition sees an absent claim on every request`,
          fix: `add a protocol mapper with claim.name "${claim}" and access.token.claim "true" (e.g. oidc-usermodel-attribute-mapper reading a group attribute)`,
        });
      });
    });
  }
}

/** A user-attribute mapper only yields a claim if a group (or a declared user attribute) carries the value. */
function tenantSourceChecks(realms: SourcedRealm[], claim: string, s: SourcedDoc, field: string, out: Finding[]): void {
  for (const r of realms) {
    // One finding per attribute, however many clients carry the same mapper.
    const attrs = new Set(
      (issuedClaims(r).get(claim) ?? [])
        .filter((m) => m.protocolMapper === 'oidc-usermodel-attribute-mapper' && m.config?.['user.attribute'])
        .map((m) => m.config!['user.attribute']!),
    );
    for (const attr of attrs) {
      const groups = arr<{ attributes?: Obj; subGroups?: unknown[] }>(r.doc.groups);
      const flat = (gs: typeof groups): typeof groups => gs.flatMap((g) => [g, ...flat(arr(g.subGroups))]);
      const inGroup = flat(groups).some((g) => attr in obj(g.attributes));
      const inUser = arr<{ attributes?: Obj }>(r.doc.users).some((u) => attr in obj(u.attributes));
      if (inGroup) continue;
      out.push({
        severity: 'warning', rule: 'claim-source', file: r.file, object: `realm ${r.doc.realm}`, field: 'groups',
        message: inUser
          ? `the "${claim}" claim reads user attribute "${attr}", set only on users`
          : `no group or user carries attribute "${attr}", which the "${claim}" mapper reads`,
        runtime: inUser
          ? `Keycloak 24's declarative user profile drops unmanaged user attributes (keycloak #27823): tokens come without ${claim} and ${objectName(s.doc)} (${field}) answers 403`
          : `tokens never carry ${claim}; ${objectName(s.doc)} (${field}) answers 403 "RBAC: access denied"`,
        fix: `put ${attr} on a group (e.g. tenant-acme-books-admins with attributes.${attr}: ["acme-books"]) and add the users to it`,
      });
    }
  }
}

function routingChecks(docs: SourcedDoc[], out: Finding[]): void {
  const services = docs.filter((s) => s.doc?.kind === 'Service');
  const gateways = docs.filter((s) => s.doc?.kind === 'Gateway');
  for (const g of gateways) {
    arr<Obj>(obj(g.doc.spec).servers).forEach((srv, i) => {
      const tls = obj(srv.tls);
      if (obj(srv.port).protocol === 'HTTPS' && tls.mode !== 'PASSTHROUGH' && !tls.credentialName) {
        out.push({
          severity: 'error', rule: 'gateway-tls', file: g.file, object: objectName(g.doc), field: fieldPath(['spec', 'servers', i, 'tls']),
          message: 'HTTPS server without tls.credentialName',
          runtime: 'istiod has no certificate for the listener: TLS handshakes to 443 fail',
          fix: `set tls: { mode: SIMPLE, credentialName: ${GATEWAY_TLS_SECRET} } (the kind target creates that Secret)`,
        });
      }
    });
  }
  for (const vs of docs.filter((s) => s.doc?.kind === 'VirtualService')) {
    const spec = obj(vs.doc.spec);
    arr<string>(spec.gateways).forEach((ref, i) => {
      const [ns, name] = ref.includes('/') ? ref.split('/') : [vs.doc.metadata?.namespace ?? 'default', ref];
      if (ref === 'mesh' || gateways.some((g) => g.doc.metadata?.name === name && (g.doc.metadata?.namespace ?? 'default') === ns)) return;
      out.push({
        severity: 'error', rule: 'route-gateway', file: vs.file, object: objectName(vs.doc), field: fieldPath(['spec', 'gateways', i]),
        message: `gateway "${ref}" is not defined in these manifests`,
        runtime: 'the routes are not attached to the ingress gateway: every URL answers 404',
        fix: 'reference istio-system/bookstore-gateway',
      });
    });
    arr<Obj>(spec.http).forEach((route, i) => {
      arr<Obj>(route.route).forEach((dest, j) => {
        const d = obj(dest.destination);
        const host = String(d.host ?? '');
        const port = Number(obj(d.port).number ?? NaN);
        const [svcName, svcNs] = host.split('.');
        const svc = services.find((s) => s.doc.metadata?.name === svcName && (s.doc.metadata?.namespace ?? 'default') === (svcNs ?? vs.doc.metadata?.namespace));
        if (!svc) {
          out.push({
            severity: 'warning', rule: 'route-destination', file: vs.file, object: objectName(vs.doc), field: fieldPath(['spec', 'http', i, 'route', j, 'destination', 'host']),
            message: `destination ${host} is no Service in these manifests`,
            runtime: 'Envoy has no endpoints for it: matching requests get 503 "no healthy upstream"',
            fix: `route to ${CATALOG.service}.${CATALOG.namespace}.svc.cluster.local port ${CATALOG.port}`,
          });
        } else if (!Number.isNaN(port) && !arr<Obj>(obj(svc.doc.spec).ports).some((p) => Number(p.port) === port)) {
          out.push({
            severity: 'error', rule: 'route-destination', file: vs.file, object: objectName(vs.doc), field: fieldPath(['spec', 'http', i, 'route', j, 'destination', 'port', 'number']),
            message: `Service ${svcName} has no port ${port}`,
            runtime: 'matching requests get 503 from the gateway',
            fix: `use one of the Service's ports: ${arr<Obj>(obj(svc.doc.spec).ports).map((p) => p.port).join(', ')}`,
          });
        }
      });
    });
  }
}

export function crossFindings(docs: SourcedDoc[], realms: SourcedRealm[]): Finding[] {
  const out: Finding[] = [];
  issuerChecks(docs, realms, out);
  audienceChecks(docs, realms, out);
  claimChecks(docs, realms, out);
  routingChecks(docs, out);
  return out;
}
