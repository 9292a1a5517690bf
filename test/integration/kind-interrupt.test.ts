// Ctrl-C in the middle of `lab:up --target kind`, the way a terminal sends
// it (SIGINT to the whole process group, so the running kind/helm dies too),
// then `lab:up` again: it repairs what the interruption left half-done (a
// cluster that never became ready, a Helm release stuck "pending-install")
// and finishes.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callLine, makeFakeLab, pickTestOffset, type FakeLab, type FakeState } from '../fake-toolchain/index.js';

let offset: number;
const labs: FakeLab[] = [];
beforeAll(async () => {
  offset = await pickTestOffset();
});
afterEach(() => {
  for (const l of labs.splice(0)) l.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start `up`, wait until the fake cluster state shows `moment`, then Ctrl-C the whole process group. */
async function interruptWhen(moment: (s: FakeState) => boolean, regions: string) {
  const lab = makeFakeLab({ offset, delayMs: 1500 });
  labs.push(lab);
  const { child, done } = lab.start(['up', '--target', 'kind', '--regions', regions, '--no-preload']);
  const started = Date.now();
  while (!moment(lab.state())) {
    if (Date.now() - started > 90_000) throw new Error('the moment to interrupt never came');
    await sleep(50);
  }
  process.kill(-child.pid!, 'SIGINT');
  return { lab, r: await done };
}

describe('kind up after Ctrl-C (fake toolchain)', () => {
  it('during kind create: stops with 130 and how to continue; the rerun replaces the half-made cluster', async () => {
    const { lab, r } = await interruptWhen((s) => s.clusters['bookstore-platform-us-east']?.status === 'creating', 'us-east');
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('to continue: npm run lab:up -- --target kind');
    // The node container exists but the cluster never became ready.
    expect(lab.state().clusters['bookstore-platform-us-east']?.status).toBe('creating');

    const before = lab.calls().length;
    const again = await lab.lab(['up', '--target', 'kind', '--regions', 'us-east', '--no-preload'], { FAKE_DELAY_MS: '0' });
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toContain('exists but is not healthy');
    const kindCalls = lab.calls().slice(before).map(callLine).filter((l) => /^kind (create|delete)/.test(l));
    expect(kindCalls).toEqual(['kind delete cluster --name bookstore-platform-us-east', expect.stringMatching(/^kind create cluster --name bookstore-platform-us-east /)]);
    expect(lab.state().clusters['bookstore-platform-us-east']!.status).toBe('ready');
  });

  it('during helm upgrade --install istiod: the rerun clears the pending release and finishes every region', async () => {
    const { lab, r } = await interruptWhen(
      (s) => Object.values(s.clusters).some((c) => c.releases['istio-system/istiod']?.status === 'pending-install'),
      'us-east,eu-west',
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('to continue: npm run lab:up -- --target kind');
    const pending = Object.values(lab.state().clusters).flatMap((c) => Object.values(c.releases)).filter((x) => x.status.startsWith('pending-'));
    expect(pending.map((p) => p.name)).toContain('istiod');

    const again = await lab.lab(['up', '--target', 'kind', '--regions', 'us-east,eu-west', '--no-preload'], { FAKE_DELAY_MS: '0' });
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toContain('an interrupted install left the release pending; removing it first');
    for (const c of Object.values(lab.state().clusters)) {
      for (const rel of Object.values(c.releases)) expect(rel.status, rel.name).toBe('deployed');
    }
  });
});
