// Fake `kind`: clusters are entries in the state file plus a "node" process
// (node-server.mjs) that binds the config's extraPortMappings on the host,
// as Docker does for a real node container. A create interrupted half-way
// leaves a cluster that exists but is not ready, like the real thing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATE_DIR, delay, die, killServer, normalizeImage, out, parseArgs, readState, sleep, update } from './common.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

function validateConfig(cfg, name) {
  const problems = [];
  if (cfg?.kind !== 'Cluster') problems.push('kind must be Cluster');
  if (cfg?.apiVersion !== 'kind.x-k8s.io/v1alpha4') problems.push('apiVersion must be kind.x-k8s.io/v1alpha4');
  if (cfg?.name && cfg.name !== name) problems.push(`config name ${cfg.name} differs from --name ${name}`);
  for (const n of cfg?.nodes ?? []) {
    for (const m of n.extraPortMappings ?? []) {
      if (!Number.isInteger(m.containerPort) || !Number.isInteger(m.hostPort)) problems.push('port mappings need integer ports');
    }
  }
  return problems;
}

/** Start the node process for a cluster; resolves once it holds its ports (or failed to). */
export async function startNode(name) {
  const statusFile = join(STATE_DIR, 'servers', `${name}.status`);
  mkdirSync(dirname(statusFile), { recursive: true });
  rmSync(statusFile, { force: true });
  const child = spawn(process.execPath, [join(HERE, 'node-server.mjs'), STATE_DIR, name], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, FAKE_FAIL_ON: '' },
  });
  child.unref();
  for (let i = 0; i < 500; i++) {
    if (existsSync(statusFile)) {
      const status = readFileSync(statusFile, 'utf8');
      if (status === 'ok') return { pid: child.pid };
      return { pid: child.pid, error: status };
    }
    await sleep(10);
  }
  return { pid: child.pid, error: 'node did not start' };
}

export async function kind(args) {
  const [cmd, sub, ...rest] = args;
  if (cmd === 'version') return out(`kind v${process.env.FAKE_KIND_VERSION ?? '0.24.0'} go1.22.6 linux/amd64\n`), 0;
  const dockerDown = process.env.FAKE_DOCKER_DOWN === '1';
  if (dockerDown) die('ERROR: failed to list clusters: command "docker ps -a --filter label=io.x-k8s.kind.cluster" failed with error: exit status 1');

  if (cmd === 'get' && sub === 'clusters') {
    await delay();
    const names = Object.keys(readState().clusters).sort();
    if (!names.length) process.stderr.write('No kind clusters found.\n');
    out(names.map((n) => n + '\n').join(''));
    return 0;
  }

  if (cmd === 'create' && sub === 'cluster') {
    const { flags } = parseArgs(rest);
    const name = flags.name ?? 'kind';
    const cfg = flags.config ? (await import('yaml')).parse(readFileSync(flags.config, 'utf8')) : { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' };
    const problems = validateConfig(cfg, name);
    if (problems.length) die(`ERROR: failed to create cluster: invalid config: ${problems.join('; ')}`);
    const clash = await update((s) => {
      if (s.clusters[name]) return true;
      s.ipCounter = (s.ipCounter ?? 1) + 1;
      s.clusters[name] = { status: 'creating', config: cfg, ip: `172.18.0.${s.ipCounter}`, images: [], namespaces: ['default', 'kube-system'], objects: {}, releases: {} };
      return false;
    });
    if (clash) die(`ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"`);
    out(`Creating cluster "${name}" ...\n`);
    await delay(); // a Ctrl-C here leaves the half-made cluster behind
    const node = await startNode(name);
    if (node.error) {
      killServer(node.pid);
      await update((s) => void delete s.clusters[name]);
      die(`ERROR: failed to create cluster: command "docker run ... ${name}-control-plane" failed: ${node.error}`);
    }
    await update((s) => {
      s.clusters[name].status = 'ready';
      s.clusters[name].serverPid = node.pid;
    });
    out(`Set kubectl context to "kind-${name}"\n`);
    return 0;
  }

  if (cmd === 'delete' && sub === 'cluster') {
    await delay();
    const { flags } = parseArgs(rest);
    const name = flags.name ?? 'kind';
    await update((s) => {
      killServer(s.clusters[name]?.serverPid);
      delete s.clusters[name];
    });
    out(`Deleting cluster "${name}" ...\n`);
    return 0;
  }

  if (cmd === 'load' && sub === 'docker-image') {
    const { flags, pos } = parseArgs(rest);
    const name = flags.name ?? 'kind';
    await delay();
    const err = await update((s) => {
      const c = s.clusters[name];
      if (!c || c.status !== 'ready') return `ERROR: no nodes found for cluster "${name}"`;
      for (const ref of pos) {
        const n = normalizeImage(ref);
        if (!s.images[n]) return `ERROR: image: "${ref}" not present locally`;
        if (!c.images.includes(n)) c.images.push(n);
      }
      return undefined;
    });
    if (err) die(err);
    return 0;
  }

  if (cmd === 'export' && sub === 'logs') {
    const { flags, pos } = parseArgs(rest);
    const dir = pos[0] ?? join(STATE_DIR, 'kind-logs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${flags.name ?? 'kind'}.txt`), JSON.stringify(readState().clusters[flags.name ?? 'kind'] ?? null, null, 2));
    out(`Exported logs for cluster "${flags.name ?? 'kind'}" to:\n${dir}\n`);
    return 0;
  }

  die(`fake kind: unsupported command ${args.join(' ')}`);
  return 1;
}
