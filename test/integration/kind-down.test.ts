// `lab:down --target kind`: deletes the lab's clusters (by name and by kind's
// container label, so a half-created one goes too), leaves other kind
// clusters alone, stops recorded lab processes, removes lab state, and can
// run twice.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, isMutating, makeFakeLab, pickTestOffset, type FakeLab } from '../fake-toolchain/index.js';
import { startTicksOf, writeRecord } from '../../scripts/targets/local/processes.js';

let lab: FakeLab;
const strays: number[] = [];

beforeAll(async () => {
  lab = makeFakeLab({ offset: await pickTestOffset() });
});
afterAll(() => {
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  lab?.cleanup();
});

const tool = (name: 'kind', args: string[]) => lab.tool(name, args);

describe('kind down (fake toolchain)', () => {
  it('removes every lab cluster, node process and recorded process, keeps a foreign cluster, and can run twice', async () => {
    const up = await lab.lab(['up', '--target', 'kind', '--no-preload']);
    expect(up.code, up.stderr).toBe(0);
    // Someone else's kind cluster on the same Docker engine (no port mappings).
    expect(await tool('kind', ['create', 'cluster', '--name', 'someone-elses'])).toBe(0);
    writeFileSync(join(lab.labState, 'tutorial.json'), '{"done":[1,2]}');
    // A process the lab recorded (what a port-forward would leave).
    const sleeper = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    strays.push(sleeper.pid!);
    mkdirSync(join(lab.labState, 'kind', 'pids'), { recursive: true });
    writeRecord(join(lab.labState, 'kind', 'pids'), {
      name: 'port-forward',
      pid: sleeper.pid!,
      argv: ['sleep', '300'],
      markers: ['sleep 300'],
      startTicks: startTicksOf(sleeper.pid!),
      log: '/dev/null',
      startedAt: new Date().toISOString(),
    });

    const nodePids = Object.entries(lab.state().clusters)
      .filter(([n]) => n.startsWith('bookstore-platform-'))
      .map(([, c]) => c.serverPid!);
    expect(nodePids).toHaveLength(3);
    nodePids.forEach((p) => expect(alive(p)).toBe(true));

    const down = await lab.lab(['down', '--target', 'kind']);
    expect(down.code, down.stderr).toBe(0);
    expect(Object.keys(lab.state().clusters)).toEqual(['someone-elses']);
    await new Promise((r) => setTimeout(r, 200));
    nodePids.forEach((p) => expect(alive(p)).toBe(false));
    expect(alive(sleeper.pid!)).toBe(false);
    expect(existsSync(join(lab.labState, 'kind'))).toBe(false);
    expect(existsSync(join(lab.labState, 'secrets'))).toBe(false);
    expect(existsSync(join(lab.labState, 'tutorial.json'))).toBe(true); // progress survives
    expect(down.stdout).toContain(`stopped pid ${sleeper.pid}`);

    const before = lab.calls().length;
    const twice = await lab.lab(['down', '--target', 'kind']);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toContain('no lab clusters to delete');
    expect(lab.calls().slice(before).filter(isMutating)).toEqual([]);
  });

  it('removes a half-created lab cluster too (found by its container label)', async () => {
    // An up interrupted inside `kind create` leaves a node container but no ready cluster.
    expect(Object.keys(lab.state().clusters)).toEqual(['someone-elses']);
    const file = join(lab.fakeState, 'state.json');
    const s = lab.state() as unknown as { clusters: Record<string, unknown> };
    s.clusters['bookstore-platform-ap-south'] = { status: 'creating', config: {}, ip: '172.18.0.9', images: [], namespaces: [], objects: {}, releases: {} };
    writeFileSync(file, JSON.stringify(s));
    const down = await lab.lab(['down', '--target', 'kind', '--json']);
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ ok: true, clustersDeleted: ['bookstore-platform-ap-south'] });
    expect(Object.keys(lab.state().clusters)).toEqual(['someone-elses']);
  });
});
