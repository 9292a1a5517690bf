// What istiod's validating webhook refuses. The rules themselves live in the
// engine (validatePolicy, shared with `lab authz`); this file only points each
// message at the field it is about and says how to fix it. Plus the one CRD
// CEL rule the webhook does not repeat (jwks and jwksUri together).
import { validatePolicy } from '../engine/index.js';
import type { SourcedDoc } from '../manifests/index.js';
import { fieldPath, type PathPart } from './paths.js';
import { objectName, type Finding } from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = <T = unknown>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

const WEBHOOK = (msg: string) =>
  `\`kubectl apply\` is refused: admission webhook "validation.istio.io" denied the request: configuration is invalid: ${msg}. The previous version of the policy (or none) stays in force`;

const lowerFirst = (s: string) => s[0]!.toLowerCase() + s.slice(1);

interface Located {
  field: PathPart[];
  fix: string;
}

/** Where in an AuthorizationPolicy a webhook message points, and the fix. */
function locateAuthz(doc: Obj, msg: string): Located {
  const rules = arr<Obj>(obj(doc.spec).rules);
  const cond = (key: string, pick?: 'values' | 'notValues'): Located | undefined => {
    for (const [i, r] of rules.entries()) {
      for (const [j, c] of arr<Obj>(obj(r).when).entries()) {
        if (c.key !== key) continue;
        const list = pick ? arr<string>(c[pick]) : [];
        const empty = list.indexOf('');
        const field: PathPart[] = ['spec', 'rules', i, 'when', j, ...(pick ? [pick, ...(empty >= 0 ? [empty] : [])] : [])];
        const fix = empty >= 0 && key.startsWith('request.auth.claims')
          ? 'a presence check is values: ["*"] ("*" matches any non-empty value); notValues: [""] is refused, and notValues would MATCH a request whose token lacks the claim'
          : empty >= 0
            ? `remove the empty string from ${pick}`
            : pick
              ? 'use a supported attribute: request.auth.claims[name], request.headers[name], source.ip, remote.ip, ...'
              : 'to require a claim to be present use values: ["*"]';
        return { field, fix };
      }
    }
    return undefined;
  };
  let m: RegExpExecArray | null;
  if ((m = /invalid `(value|notValue)` for `key` (.+?): /.exec(msg))) {
    return cond(m[2]!, m[1] === 'value' ? 'values' : 'notValues') ?? { field: ['spec', 'rules'], fix: 'fix the condition' };
  }
  if ((m = /must be set for key (.+)$/.exec(msg))) return cond(m[1]!) ?? { field: ['spec', 'rules'], fix: 'set values' };
  if (msg.includes('`key` must not be empty')) return { field: ['spec', 'rules'], fix: 'give every `when` condition a key, e.g. request.auth.claims[tenant]' };
  if ((m = /empty value not allowed, found in (\w+)$/.exec(msg))) {
    const name = lowerFirst(m[1]!);
    for (const [i, r] of rules.entries()) {
      for (const [side, inner] of [['from', 'source'], ['to', 'operation']] as const) {
        for (const [j, e] of arr<Obj>(obj(r)[side]).entries()) {
          const k = arr<string>(obj(obj(e)[inner])[name]).indexOf('');
          if (k >= 0) return { field: ['spec', 'rules', i, side, j, inner, name, k], fix: `remove the empty string from ${name}` };
        }
      }
    }
  }
  if ((m = /`(from|to)(?:\.(source|operation))?` must not be (empty|nil), found at rule (\d+)/.exec(msg))) {
    return {
      field: ['spec', 'rules', Number(m[4]), m[1]!],
      fix: m[2] ? `give each ${m[1]} entry a ${m[2]} with at least one field, or remove the entry` : `remove the empty \`${m[1]}\` list`,
    };
  }
  if ((m = /found at rule (\d+)/.exec(msg))) return { field: ['spec', 'rules', Number(m[1])], fix: 'fix this rule' };
  if (/selector|targetRef/.test(msg)) return { field: ['spec', 'selector'], fix: 'select the gateway with exact labels: matchLabels: { istio: ingressgateway }' };
  if (/provider/.test(msg)) return { field: ['spec', 'provider'], fix: 'CUSTOM needs provider.name; other actions must not set provider' };
  if (/without `rules`/.test(msg)) return { field: ['spec', 'rules'], fix: 'add the rules that say what to match (`- {}` matches everything)' };
  if (/unknown action/.test(msg)) return { field: ['spec', 'action'], fix: 'use ALLOW, DENY, AUDIT or CUSTOM' };
  return { field: ['spec'], fix: 'fix the policy as the message says' };
}

function locateRequestAuthn(doc: Obj, msg: string): Located {
  const rules = arr<Obj>(obj(doc.spec).jwtRules);
  const find = (pred: (r: Obj) => PathPart[] | undefined, fix: string): Located => {
    for (const [i, r] of rules.entries()) {
      const p = pred(obj(r));
      if (p) return { field: ['spec', 'jwtRules', i, ...p], fix };
    }
    return { field: ['spec', 'jwtRules'], fix };
  };
  if (msg.includes('audience must be non-empty')) return find((r) => { const k = arr(r.audiences).indexOf(''); return k >= 0 ? ['audiences', k] : undefined; }, 'remove the empty audience');
  if (msg.includes('issuer or jwksUri')) return find((r) => (!r.issuer ? ['issuer'] : undefined), 'set issuer to the exact `iss` of the tokens, e.g. http://localhost:8090/realms/bookstore-platform');
  if (msg.includes('URI scheme')) return find((r) => (typeof r.jwksUri === 'string' && !/^https?:\/\//.test(r.jwksUri) ? ['jwksUri'] : undefined), 'use an http:// or https:// URL: the realm certs endpoint');
  if (msg.includes('location header')) return find((r) => (arr<Obj>(r.fromHeaders).some((h) => !obj(h).name) ? ['fromHeaders'] : undefined), 'name every header, e.g. Authorization');
  if (msg.includes('location query')) return find((r) => (arr(r.fromParams).includes('') ? ['fromParams'] : undefined), 'remove the empty query parameter name');
  if (msg.includes('outputClaimToHeaders') || msg.includes('invalid HTTP header name')) return find((r) => (r.outputClaimToHeaders ? ['outputClaimToHeaders'] : undefined), 'give every entry a valid header name and a claim');
  if (msg.includes('jwks')) return find((r) => (r.jwks ? ['jwks'] : undefined), 'make jwks a JSON Web Key Set, or use jwksUri');
  if (/selector|targetRef/.test(msg)) return { field: ['spec', 'selector'], fix: 'select the gateway with exact labels: matchLabels: { istio: ingressgateway }' };
  return { field: ['spec'], fix: 'fix the RequestAuthentication as the message says' };
}

export function admissionFindings(docs: SourcedDoc[]): Finding[] {
  const out: Finding[] = [];
  for (const s of docs) {
    const doc = s.doc as unknown as Obj;
    for (const msg of validatePolicy(doc)) {
      const loc = s.doc.kind === 'AuthorizationPolicy' ? locateAuthz(doc, msg) : locateRequestAuthn(doc, msg);
      out.push({
        severity: 'error',
        rule: 'admission',
        file: s.file,
        object: objectName(s.doc),
        field: fieldPath(loc.field),
        message: msg.replace(/^invalid (policy|request authentication) [^:]+: /, ''),
        runtime: WEBHOOK(msg),
        fix: loc.fix,
      });
    }
    if (s.doc?.kind === 'RequestAuthentication') {
      arr<Obj>(obj(s.doc.spec).jwtRules).forEach((r, i) => {
        if ([r.jwksUri, r.jwks_uri, r.jwks].filter((v) => v !== undefined).length > 1) {
          out.push({
            severity: 'error', rule: 'admission', file: s.file, object: objectName(s.doc), field: fieldPath(['spec', 'jwtRules', i, 'jwks']),
            message: 'both jwks and jwksUri are set',
            runtime: '`kubectl apply` is refused by the CRD validation rule: only one of jwks or jwksUri can be set',
            fix: 'keep jwksUri (istiod fetches and refreshes it) and remove jwks',
          });
        }
      });
    }
  }
  return out;
}
