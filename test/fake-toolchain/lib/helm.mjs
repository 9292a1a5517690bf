// Fake `helm`: releases per cluster with the status lifecycle that matters
// for resumability (pending-install/pending-upgrade while running, so a
// Ctrl-C leaves them pending and the next upgrade is refused, as in Helm 3).
// Charts resolve only from the places the lab uses: the Istio repo URL at
// 1.23.2 and the Bitnami OCI Keycloak chart at 21.4.4.
import { readFileSync } from 'node:fs';
import { clusterOfContext, delay, die, out, parseArgs, readState, update } from './common.mjs';

const ISTIO_REPO = 'https://istio-release.storage.googleapis.com/charts';
const ISTIO_CHARTS = ['base', 'istiod', 'cni', 'ztunnel', 'gateway'];
const KEYCLOAK_OCI = 'oci://registry-1.docker.io/bitnamicharts/keycloak';

const ALIAS = { n: 'namespace', f: 'values', o: 'output' };
const BOOL = ['install', 'create-namespace', 'wait', 'all', 'atomic', 'short'];
const MULTI = ['set', 'values'];

function scalar(v) {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === 'null') return null;
  if (/^-?\d+$/.test(v)) return Number(v);
  return v;
}

function setPath(obj, dotted, value) {
  const parts = dotted.split('.');
  let node = obj;
  for (const p of parts.slice(0, -1)) node = node[p] = typeof node[p] === 'object' && node[p] !== null ? node[p] : {};
  node[parts.at(-1)] = value;
}

function merge(a, b) {
  if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || b === null || Array.isArray(b)) return b;
  const outObj = { ...a };
  for (const [k, v] of Object.entries(b)) outObj[k] = k in a ? merge(a[k], v) : v;
  return outObj;
}

function chartOf(chart, repo, version) {
  if (chart.startsWith('oci://')) {
    if (chart !== KEYCLOAK_OCI) return { error: `Error: ${chart}:${version}: not found` };
    if (version !== '21.4.4') return { error: `Error: ${chart}:${version}: not found` };
    return { name: 'keycloak', version, appVersion: '24.0.5' };
  }
  if (!repo) return { error: `Error: repo ${chart.split('/')[0]} not found` };
  if (repo !== ISTIO_REPO || !ISTIO_CHARTS.includes(chart)) return { error: `Error: chart "${chart}" not found in ${repo} repository` };
  if (version !== '1.23.2') return { error: `Error: chart "${chart}" version "${version}" not found in ${repo} repository` };
  return { name: chart, version, appVersion: version };
}

const UNREACHABLE = 'Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:6443/version": dial tcp 127.0.0.1:6443: connect: connection refused';

export async function helm(args) {
  const [cmd, ...rest] = args;
  const { flags, pos } = parseArgs(rest, { bool: BOOL, multi: MULTI, alias: ALIAS });
  const context = flags['kube-context'];
  const ns = flags.namespace ?? 'default';

  if (cmd === 'version') {
    const v = process.env.FAKE_HELM_VERSION ?? 'v3.15.4';
    if (flags.template) out(flags.template.replace(/\{\{\s*\.Version\s*\}\}/, v));
    else out(`version.BuildInfo{Version:"${v}", GitCommit:"fake", GoVersion:"go1.22.5"}\n`);
    return 0;
  }

  if (cmd === 'upgrade') {
    if (!flags.install) die('fake helm: only `upgrade --install` is supported');
    const [release, chart] = pos;
    const meta = chartOf(chart, flags.repo, flags.version);
    await delay();
    if (meta.error) die(meta.error);
    let values = {};
    const { parse } = await import('yaml'); // loaded only when needed: every fake call pays its imports
    for (const f of flags.values ?? []) values = merge(values, parse(readFileSync(f, 'utf8')) ?? {});
    for (const kv of flags.set ?? []) {
      const i = kv.indexOf('=');
      setPath(values, kv.slice(0, i), scalar(kv.slice(i + 1)));
    }
    const err = await update((s) => {
      const c = clusterOfContext(s, context);
      if (!c || c.status !== 'ready') return UNREACHABLE;
      if (!c.namespaces.includes(ns)) {
        if (!flags['create-namespace']) return `Error: create: failed to create: namespaces "${ns}" not found`;
        c.namespaces.push(ns);
      }
      const key = `${ns}/${release}`;
      const prev = c.releases[key];
      if (prev?.status?.startsWith('pending-')) return 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress';
      const history = [...(prev?.history ?? []), ...(prev ? [{ revision: prev.revision, config: prev.config, chart: prev.chart }] : [])];
      c.releases[key] = {
        name: release,
        namespace: ns,
        chart: `${meta.name}-${meta.version}`,
        appVersion: meta.appVersion,
        status: prev ? 'pending-upgrade' : 'pending-install',
        revision: (prev?.revision ?? 0) + 1,
        config: values,
        history,
      };
      return undefined;
    });
    if (err) die(err);
    await delay(); // the long part: a Ctrl-C here leaves the release pending
    await update((s) => {
      const c = clusterOfContext(s, context);
      const r = c?.releases[`${ns}/${release}`];
      if (r) r.status = 'deployed';
    });
    out(`Release "${release}" has been upgraded. Happy Helming!\nNAME: ${release}\nNAMESPACE: ${ns}\nSTATUS: deployed\n`);
    return 0;
  }

  if (cmd === 'list') {
    await delay();
    const s = readState();
    const c = clusterOfContext(s, context);
    if (!c || c.status !== 'ready') die(UNREACHABLE);
    const filter = flags.filter ? new RegExp(flags.filter) : undefined;
    const rows = Object.values(c.releases)
      .filter((r) => r.namespace === ns && (!filter || filter.test(r.name)))
      .filter((r) => flags.all || r.status === 'deployed' || r.status === 'failed')
      .map((r) => ({ name: r.name, namespace: r.namespace, revision: String(r.revision), status: r.status, chart: r.chart, app_version: r.appVersion }));
    out(JSON.stringify(rows) + '\n');
    return 0;
  }

  if (cmd === 'get' && pos[0] === 'values') {
    await delay();
    const s = readState();
    const c = clusterOfContext(s, context);
    if (!c || c.status !== 'ready') die(UNREACHABLE);
    const r = c.releases[`${ns}/${pos[1]}`];
    if (!r) die('Error: release: not found');
    out((Object.keys(r.config ?? {}).length ? JSON.stringify(r.config) : 'null') + '\n');
    return 0;
  }

  if (cmd === 'uninstall') {
    await delay();
    const err = await update((s) => {
      const c = clusterOfContext(s, context);
      if (!c || c.status !== 'ready') return UNREACHABLE;
      if (!c.releases[`${ns}/${pos[0]}`]) return `Error: uninstall: Release not loaded: ${pos[0]}: release: not found`;
      delete c.releases[`${ns}/${pos[0]}`];
      return undefined;
    });
    if (err) die(err);
    out(`release "${pos[0]}" uninstalled\n`);
    return 0;
  }

  if (cmd === 'rollback') {
    await delay();
    const err = await update((s) => {
      const c = clusterOfContext(s, context);
      if (!c || c.status !== 'ready') return UNREACHABLE;
      const r = c.releases[`${ns}/${pos[0]}`];
      if (!r) return 'Error: release: not found';
      const last = r.history.at(-1);
      if (!last) return `Error: release has no previous version to roll back to`;
      Object.assign(r, { status: 'deployed', config: last.config, chart: last.chart, revision: r.revision + 1 });
      return undefined;
    });
    if (err) die(err);
    out('Rollback was a success! Happy Helming!\n');
    return 0;
  }

  die(`fake helm: unsupported command ${args.join(' ')}`);
  return 1;
}
