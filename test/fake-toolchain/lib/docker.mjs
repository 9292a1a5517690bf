// Fake `docker`: images on the host, and kind's node containers (one per
// cluster, `<cluster>-control-plane`, labelled io.x-k8s.kind.cluster).
import { createHash } from 'node:crypto';
import { delay, die, goTemplate, killServer, normalizeImage, out, parseArgs, readState, update } from './common.mjs';

const LABEL = 'io.x-k8s.kind.cluster';
const DOWN_MSG = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';

function containerOf(state, name) {
  for (const [cluster, c] of Object.entries(state.clusters)) {
    if (`${cluster}-control-plane` === name) return { cluster, c };
  }
  return undefined;
}

function inspectJson(cluster, c) {
  const bindings = {};
  for (const m of c.config?.nodes?.[0]?.extraPortMappings ?? []) {
    bindings[`${m.containerPort}/tcp`] = [{ HostIp: m.listenAddress ?? '0.0.0.0', HostPort: String(m.hostPort) }];
  }
  return [
    {
      Id: createHash('sha256').update(cluster).digest('hex'),
      Name: `/${cluster}-control-plane`,
      // A create interrupted half-way leaves a running node whose cluster never came up.
      State: { Running: c.status !== 'stopped', Status: c.status === 'stopped' ? 'exited' : 'running' },
      Config: { Labels: { [LABEL]: cluster, 'io.x-k8s.kind.role': 'control-plane' } },
      HostConfig: { PortBindings: bindings },
      NetworkSettings: { Networks: { kind: { IPAddress: c.ip } } },
    },
  ];
}

export async function docker(args) {
  if (args[0] === '--version') return out('Docker version 27.3.1, build fake\n'), 0;
  if (process.env.FAKE_DOCKER_DOWN === '1') die(DOWN_MSG);
  const [cmd, ...rest] = args;
  switch (cmd) {
    case 'info': {
      await delay();
      const { flags } = parseArgs(rest);
      const info = { ServerVersion: '27.3.1', MemTotal: Number(process.env.FAKE_DOCKER_MEM_BYTES ?? 16 * 1024 ** 3), NCPU: 8, OperatingSystem: 'fake' };
      out(goTemplate(flags.format ?? flags.f ?? '{{json .}}', info) + '\n');
      return 0;
    }
    case 'image': {
      if (rest[0] !== 'inspect') die(`fake docker: unsupported image ${rest[0]}`);
      await delay();
      const { flags, pos } = parseArgs(rest.slice(1));
      const s = readState();
      const ref = normalizeImage(pos[0]);
      const img = s.images[ref];
      if (!img) die(`Error response from daemon: No such image: ${pos[0]}`);
      out(flags.format ? goTemplate(flags.format, { Id: img.id }) + '\n' : JSON.stringify([{ Id: img.id, RepoTags: [pos[0]] }]) + '\n');
      return 0;
    }
    case 'pull': {
      const ref = rest[0];
      await delay();
      await update((s) => {
        s.images[normalizeImage(ref)] = { id: `sha256:${createHash('sha256').update(ref).digest('hex')}` };
      });
      out(`Status: Downloaded newer image for ${ref}\n`);
      return 0;
    }
    case 'inspect': {
      await delay();
      const { pos } = parseArgs(rest);
      const s = readState();
      const found = containerOf(s, pos[0]);
      if (!found) die(`Error: No such container: ${pos[0]}`);
      out(JSON.stringify(inspectJson(found.cluster, found.c), null, 2) + '\n');
      return 0;
    }
    case 'ps': {
      await delay();
      const { flags } = parseArgs(rest, { bool: ['all', 'a'], multi: ['filter'] });
      const s = readState();
      const wantLabel = (flags.filter ?? []).map((f) => f.replace(/^label=/, '').split('=')[0]).find(Boolean);
      const lines = [];
      for (const [cluster, c] of Object.entries(s.clusters)) {
        if (!flags.all && !flags.a && c.status === 'stopped') continue;
        const labels = { [LABEL]: cluster };
        if (wantLabel && !(wantLabel in labels)) continue;
        lines.push(goTemplate(flags.format ?? '{{.Names}}', { Names: `${cluster}-control-plane`, ID: cluster.slice(0, 12), Labels: labels }));
      }
      out(lines.map((l) => l + '\n').join(''));
      return 0;
    }
    case 'exec': {
      await delay();
      const [container, ...inner] = rest;
      const s = readState();
      const found = containerOf(s, container);
      if (!found || found.c.status !== 'ready') die(`Error response from daemon: container ${container} is not running`);
      if (inner[0] === 'crictl' && inner[1] === 'images') {
        out(JSON.stringify({ images: (found.c.images ?? []).map((r) => ({ id: s.images[r]?.id ?? r, repoTags: [r] })) }) + '\n');
        return 0;
      }
      die(`fake docker exec: unsupported ${inner.join(' ')}`);
      return 1;
    }
    case 'stop':
    case 'start': {
      await delay();
      const name = rest.find((a) => !a.startsWith('-'));
      const found = containerOf(readState(), name);
      if (!found) die(`Error response from daemon: No such container: ${name}`);
      if (cmd === 'stop') {
        await update((s) => {
          killServer(s.clusters[found.cluster].serverPid);
          Object.assign(s.clusters[found.cluster], { status: 'stopped', serverPid: undefined });
        });
      } else if (found.c.status === 'stopped') {
        const { startNode } = await import('./kind.mjs');
        const node = await startNode(found.cluster);
        if (node.error) die(`Error response from daemon: driver failed programming external connectivity: ${node.error}`);
        // Like a Docker restart: the node may come back with another address.
        await update((s) => {
          s.ipCounter = (s.ipCounter ?? 1) + 1;
          Object.assign(s.clusters[found.cluster], { status: 'ready', serverPid: node.pid, ip: `172.18.0.${s.ipCounter}` });
        });
      }
      out(`${name}\n`);
      return 0;
    }
    case 'rm': {
      await delay();
      const { pos } = parseArgs(rest, { bool: ['force', 'f'] });
      await update((s) => {
        for (const name of pos) {
          const found = containerOf(s, name);
          if (!found) continue;
          killServer(found.c.serverPid);
          delete s.clusters[found.cluster];
        }
      });
      out(pos.join('\n') + '\n');
      return 0;
    }
    default:
      die(`fake docker: unsupported command ${cmd}`);
  }
  return 1;
}
