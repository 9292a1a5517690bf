// Fake `kubectl` for one kind context: apply/diff of YAML (files or stdin)
// into the cluster's object store, rollout status from the workload model,
// get, and client-side `create secret tls --dry-run=client`. It enforces what
// the real API server would: namespaces must exist, Istio kinds need the CRDs
// from the base chart, objects need apiVersion/kind/metadata.name.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_SCOPED, deployed, isIstioKind, objectKey, objectsOf, workloadObject, workloads } from './cluster.mjs';
import { clusterOfContext, delay, die, out, parseArgs, readState, update } from './common.mjs';

const ALIAS = { n: 'namespace', o: 'output', A: 'all-namespaces', f: 'filename' };
const BOOL = ['all-namespaces', 'client', 'server-side'];
const REFUSED = 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?';

const TYPES = {
  nodes: 'Node', node: 'Node',
  namespaces: 'Namespace', namespace: 'Namespace', ns: 'Namespace',
  deployments: 'Deployment', deployment: 'Deployment', deploy: 'Deployment',
  daemonsets: 'DaemonSet', daemonset: 'DaemonSet', ds: 'DaemonSet',
  statefulsets: 'StatefulSet', statefulset: 'StatefulSet', sts: 'StatefulSet',
  secrets: 'Secret', secret: 'Secret', configmaps: 'ConfigMap', configmap: 'ConfigMap',
  'requestauthentications.security.istio.io': 'RequestAuthentication',
  'authorizationpolicies.security.istio.io': 'AuthorizationPolicy',
  'gateways.networking.istio.io': 'Gateway',
  'virtualservices.networking.istio.io': 'VirtualService',
};

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function readDocs(file) {
  let texts;
  if (file === '-') texts = [await readStdin()];
  else if (statSync(file).isDirectory()) texts = readdirSync(file).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => readFileSync(join(file, n), 'utf8'));
  else texts = [readFileSync(file, 'utf8')];
  const docs = [];
  const { parseAllDocuments } = await import('yaml');
  for (const t of texts) {
    for (const d of parseAllDocuments(t)) {
      if (d.errors.length) die(`error: error parsing ${file}: ${d.errors[0].message}`);
      const v = d.toJS();
      if (v) docs.push(v);
    }
  }
  return docs;
}

function checkDoc(c, doc, namespacesSoFar, flagNs) {
  if (!doc.apiVersion || !doc.kind || !doc.metadata?.name) return `error: error validating data: apiVersion, kind and metadata.name are required`;
  if (isIstioKind(doc) && !deployed(c, 'istio-system', 'istio-base')) {
    return `error: resource mapping not found for name: "${doc.metadata.name}" namespace: "${doc.metadata.namespace ?? ''}" from "-": no matches for kind "${doc.kind}" in version "${doc.apiVersion}"\nensure CRDs are installed first`;
  }
  if (!CLUSTER_SCOPED.has(doc.kind)) {
    if (flagNs && doc.metadata.namespace && doc.metadata.namespace !== flagNs) {
      return `error: the namespace from the provided object "${doc.metadata.namespace}" does not match the namespace "${flagNs}". You must pass '--namespace=${doc.metadata.namespace}' to perform this operation.`;
    }
    const ns = doc.metadata.namespace ?? flagNs ?? 'default';
    if (!namespacesSoFar.has(ns)) return `Error from server (NotFound): error when creating: namespaces "${ns}" not found`;
  }
  return undefined;
}

const same = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

function needCluster(s, context) {
  const c = clusterOfContext(s, context);
  if (!c || c.status !== 'ready') die(REFUSED);
  return c;
}

export async function kubectl(args) {
  const [cmd, ...rest] = args;
  const { flags, pos } = parseArgs(rest, { bool: BOOL, alias: ALIAS });
  const context = flags.context;

  if (cmd === 'version') {
    const v = process.env.FAKE_KUBECTL_VERSION ?? 'v1.31.1';
    const m = /^v(\d+)\.(\d+)/.exec(v);
    out(JSON.stringify({ clientVersion: { major: m?.[1], minor: m?.[2], gitVersion: v } }) + '\n');
    return 0;
  }

  if (cmd === 'create' && pos[0] === 'secret' && pos[1] === 'tls') {
    await delay();
    if (flags['dry-run'] !== 'client') die('fake kubectl: only --dry-run=client secrets are supported');
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { creationTimestamp: null, name: pos[2], namespace: flags.namespace ?? 'default' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': readFileSync(flags.cert).toString('base64'), 'tls.key': readFileSync(flags.key).toString('base64') },
    };
    out(flags.output === 'json' ? JSON.stringify(secret) : (await import('yaml')).stringify(secret));
    return 0;
  }

  if (cmd === 'apply' || cmd === 'diff') {
    const docs = await readDocs(flags.filename);
    for (const d of docs) if (flags.namespace && d.metadata && !d.metadata.namespace && !CLUSTER_SCOPED.has(d.kind)) d.metadata.namespace = flags.namespace;
    await delay();
    if (cmd === 'diff') {
      const c = needCluster(readState(), context);
      const changed = docs.filter((d) => !c.objects[objectKey(d)] || !same(c.objects[objectKey(d)], d));
      if (!changed.length) return 0;
      out(changed.map((d) => `diff -u -N /tmp/LIVE/${d.kind}.${d.metadata?.name} /tmp/MERGED/${d.kind}.${d.metadata?.name}\n`).join(''));
      return 1;
    }
    const { lines, errors } = await update((s) => {
      const c = needCluster(s, context);
      const namespaces = new Set(c.namespaces);
      const lines = [];
      const errors = [];
      for (const d of docs) {
        const err = checkDoc(c, d, namespaces, flags.namespace);
        if (err) {
          errors.push(err);
          continue;
        }
        const key = objectKey(d);
        const prev = c.objects[key];
        c.objects[key] = d;
        if (d.kind === 'Namespace') {
          namespaces.add(d.metadata.name);
          if (!c.namespaces.includes(d.metadata.name)) c.namespaces.push(d.metadata.name);
        }
        lines.push(`${d.kind.toLowerCase()}/${d.metadata.name} ${!prev ? 'created' : same(prev, d) ? 'unchanged' : 'configured'}`);
      }
      return { lines, errors };
    });
    out(lines.map((l) => l + '\n').join(''));
    if (errors.length) die(errors.join('\n'));
    return 0;
  }

  if (cmd === 'rollout' && pos[0] === 'status') {
    await delay();
    const [kindWord, name] = pos[1].split('/');
    const kind = TYPES[kindWord] ?? kindWord;
    const c = needCluster(readState(), context);
    const ns = flags.namespace ?? 'default';
    const w = workloads(c).find((x) => x.kind === kind && x.namespace === ns && x.name === name);
    if (!w) die(`Error from server (NotFound): ${kindWord}.apps "${name}" not found`);
    if (!w.ready) die(`Waiting for ${kindWord} "${name}" rollout to finish: 0 of 1 updated replicas are available...\n(${w.reason})\nerror: timed out waiting for the condition`);
    out(`${kind === 'DaemonSet' ? 'daemon set' : kind === 'StatefulSet' ? 'partitioned roll out complete' : 'deployment'} "${name}" successfully rolled out\n`);
    return 0;
  }

  if (cmd === 'get') {
    await delay();
    const c = needCluster(readState(), context);
    const kinds = pos[0].split(',').map((t) => TYPES[t] ?? die(`error: the server doesn't have a resource type "${t}"`));
    const ns = flags['all-namespaces'] ? undefined : flags.namespace ?? 'default';
    const items = [];
    for (const kind of kinds) {
      if (kind === 'Node') {
        items.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: `${context.slice(5)}-control-plane` }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
      } else if (kind === 'Namespace') {
        items.push(...c.namespaces.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } })));
      } else if (['Deployment', 'DaemonSet', 'StatefulSet'].includes(kind)) {
        items.push(...workloads(c).filter((w) => w.kind === kind && (ns === undefined || w.namespace === ns)).map(workloadObject));
      } else items.push(...objectsOf(c, kind, ns));
    }
    const named = pos[1] ? items.filter((i) => i.metadata.name === pos[1]) : items;
    if (pos[1] && !named.length) die(`Error from server (NotFound): ${pos[0]} "${pos[1]}" not found`);
    out(JSON.stringify(pos[1] ? named[0] : { apiVersion: 'v1', kind: 'List', items: named }) + '\n');
    return 0;
  }

  die(`fake kubectl: unsupported command ${args.join(' ')}`);
  return 1;
}
