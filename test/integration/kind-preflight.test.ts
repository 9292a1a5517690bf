// Each preflight failure stops `lab:up --target kind` before anything is
// created, says what failed and why, and prints the exact fix.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, type LabConfig } from '../../scripts/core/config.js';
import { isMutating, makeFakeLab, pickTestOffset, type FakeLab } from '../fake-toolchain/index.js';

let offset: number;
let cfg: LabConfig;
const labs: FakeLab[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  offset = await pickTestOffset();
  cfg = makeConfig({ target: 'kind', env: { LAB_PORT_OFFSET: String(offset) } });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const l of labs.splice(0)) l.cleanup();
});

async function refused(setup: (lab: FakeLab) => Promise<void> | void, env: Record<string, string> = {}) {
  const lab = makeFakeLab({ offset });
  labs.push(lab);
  await setup(lab);
  const r = await lab.lab(['up', '--target', 'kind'], env);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('✖ preflight failed: nothing was created');
  // Nothing created: no mutating call, no cluster, no lab state.
  expect(lab.calls().filter(isMutating)).toEqual([]);
  expect(lab.state().clusters).toEqual({});
  expect(lab.calls().length).toBeGreaterThan(0);
  return r;
}

describe('kind preflight (fake toolchain)', () => {
  it('no Docker engine: says so and how to start it', async () => {
    const r = await refused(() => undefined, { FAKE_DOCKER_DOWN: '1' });
    expect(r.stderr).toContain('✖ the Docker engine does not answer');
    expect(r.stderr).toContain('Cannot connect to the Docker daemon');
    expect(r.stderr).toMatch(/fix: (sudo systemctl start docker|open -a Docker)/);
  });

  it('a busy host port: names the port, who to ask, and the offset escape hatch', async () => {
    const port = cfg.ports['eu-west'].https;
    const r = await refused(async () => {
      const s = createServer();
      await new Promise<void>((res) => s.listen(port, '127.0.0.1', () => res()));
      servers.push(s);
    });
    expect(r.stderr).toContain(`✖ port ${port} on 127.0.0.1 is in use (eu-west gateway https)`);
    expect(r.stderr).toContain(`lsof -nP -iTCP:${port} -sTCP:LISTEN`);
    expect(r.stderr).toContain('LAB_PORT_OFFSET=1000 npm run lab:up -- --target kind');
  });

  it('low inotify limits: the exact sysctl command', async () => {
    const r = await refused((lab) => {
      writeFileSync(join(lab.inotifyDir, 'max_user_watches'), '8192\n');
      writeFileSync(join(lab.inotifyDir, 'max_user_instances'), '128\n');
    });
    expect(r.stderr).toContain('✖ inotify limits are too low for three kind clusters');
    expect(r.stderr).toContain('fix: sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512');
  });

  it('an old helm: the version found, the floor and how to upgrade', async () => {
    const r = await refused(() => undefined, { FAKE_HELM_VERSION: 'v3.7.2' });
    expect(r.stderr).toContain('✖ helm v3.7.2 is too old');
    expect(r.stderr).toContain('helm ≥ 3.8.0');
    expect(r.stderr).toMatch(/fix: (curl -fsSL https:\/\/raw\.githubusercontent\.com\/helm\/helm\/main\/scripts\/get-helm-3 \| bash|brew)/);
  });

  it('reports every problem at once (old kind and old kubectl together)', async () => {
    const r = await refused(() => undefined, { FAKE_KIND_VERSION: '0.17.0', FAKE_KUBECTL_VERSION: 'v1.25.3' });
    expect(r.stderr).toContain('✖ kind v0.17.0 is too old');
    expect(r.stderr).toContain('✖ kubectl v1.25.3 is too old');
  });

  it('--json puts the problems on stdout as JSON', async () => {
    const lab = makeFakeLab({ offset });
    labs.push(lab);
    const r = await lab.lab(['up', '--target', 'kind', '--json'], { FAKE_DOCKER_DOWN: '1' });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { problems: Array<{ what: string; fix: string }> };
    expect(j.problems.map((p) => p.what)).toEqual(['the Docker engine does not answer']);
  });
});
