// A failure injected at each step of `lab:up --target kind`, then a rerun:
// the rerun must finish the job without redoing what already succeeded.
// The commands to fail are taken from the dry-run plan itself, which also
// proves that the executor runs exactly the commands the plan prints.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callLine, isMutating, makeFakeLab, pickTestOffset, type FakeLab } from '../fake-toolchain/index.js';

interface PlanEntry {
  region: string | null;
  title: string;
  command: string[];
}

let offset: number;
const labs: FakeLab[] = [];
// cleanup() kills the fake node processes and removes the temp dirs; `down` itself is tested in kind-down.
afterEach(() => {
  for (const l of labs.splice(0)) l.cleanup();
});

async function dryPlan(lab: FakeLab, regions: string): Promise<PlanEntry[]> {
  const r = await lab.lab(['up', '--target', 'kind', '--regions', regions, '--dry-run', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanEntry[];
}

/** One representative per kind of step: first pull, first load per lane, each helm release, key rollouts, … */
function pickSteps(plan: PlanEntry[]): PlanEntry[] {
  const seen = new Set<string>();
  return plan.filter((p) => {
    if (p.command[0] === 'curl') return false; // the fake toolchain does not replace curl
    const [tool, verb] = p.command;
    let kind = `${tool} ${verb}`;
    if (tool === 'helm') kind += ` ${p.command[3]}`;
    if (tool === 'kind' && verb === 'load') kind += p.command[3]!.includes('bitnamilegacy') ? ' keycloak' : ' istio';
    if (tool === 'kubectl' && verb === 'rollout') kind += ` ${p.command[3]}`;
    if (tool === 'kubectl' && verb === 'apply') kind += ` ${p.title.split(' ').slice(0, 3).join(' ')}`;
    if (tool === 'kubectl' && verb === 'rollout' && /cni|ztunnel|postgresql/.test(p.command[3]!)) return false;
    if (seen.has(kind)) return false;
    seen.add(kind);
    return true;
  });
}

async function failThenResume(lab: FakeLab, regions: string, failOn: string, extra: string[] = []): Promise<void> {
  const up = ['up', '--target', 'kind', '--regions', regions, ...extra];
  const first = await lab.lab(up, { FAKE_FAIL_ON: failOn });
  expect(first.code, `first run should fail at "${failOn}"\n${first.stderr}`).toBe(1);
  const firstCalls = lab.calls();
  expect(firstCalls.filter((c) => c.failed).map(callLine)).toEqual([failOn]);
  expect(first.stderr).toContain('rerun (finished steps are skipped): npm run lab:up -- --target kind');

  const second = await lab.lab(up);
  expect(second.code, second.stderr + second.stdout).toBe(0);
  expect(second.stdout).toContain('0 failed');
  const secondCalls = lab.calls().slice(firstCalls.length);
  // The failed command ran again and succeeded…
  expect(secondCalls.some((c) => callLine(c) === failOn && c.code === 0)).toBe(true);
  // …and nothing that had already succeeded was changed a second time.
  const doneBefore = new Set(firstCalls.filter((c) => isMutating(c) && c.code === 0).map(callLine));
  expect(secondCalls.filter((c) => isMutating(c) && doneBefore.has(callLine(c))).map(callLine)).toEqual([]);
}

beforeAll(async () => {
  offset = await pickTestOffset();
});

describe('kind up resumes after a failure at any step (fake toolchain)', async () => {
  // The plan for us-east alone covers all three lane kinds: host images, a region, Keycloak.
  const probe = makeFakeLab({ offset: 17000 });
  const steps = pickSteps(await dryPlan(probe, 'us-east'));
  afterAll(() => probe.cleanup());

  it('has a representative of every kind of step to fail', () => {
    const kinds = steps.map((s) => s.command.slice(0, 2).join(' '));
    for (const k of ['docker pull', 'kind create', 'docker inspect', 'kind load', 'helm upgrade', 'kubectl rollout', 'kubectl create', 'kubectl apply']) {
      expect(kinds).toContain(k);
    }
    expect(steps.filter((s) => s.command[0] === 'helm').map((s) => s.command[3])).toEqual(['istio-base', 'istiod', 'istio-cni', 'ztunnel', 'istio-ingressgateway', 'keycloak']);
  });

  for (const step of steps) {
    it(`fails at: ${step.title}`, async () => {
      const lab = makeFakeLab({ offset });
      labs.push(lab);
      // Commands name this lab's state dir: re-plan with its paths. Steps that
      // are not about images run with --no-preload, which only saves time.
      const command = step.command.map((a) => a.replaceAll(probe.labState, lab.labState)).join(' ');
      const images = /^(docker pull|kind load)/.test(command);
      await failThenResume(lab, 'us-east', command, images ? [] : ['--no-preload']);
    });
  }

  it('a failed us-east node-address lookup blocks the other regions’ applies, and a rerun finishes both', async () => {
    const lab = makeFakeLab({ offset });
    labs.push(lab);
    const plan = await dryPlan(lab, 'us-east,eu-west');
    const inspect = plan.find((p) => p.command[0] === 'docker' && p.command[1] === 'inspect')!;
    const first = await lab.lab(['up', '--target', 'kind', '--regions', 'us-east,eu-west', '--no-preload'], { FAKE_FAIL_ON: inspect.command.join(' ') });
    expect(first.code).toBe(1);
    expect(first.stdout + first.stderr).toMatch(/eu-west › apply policies[^\n]*\[FAILED: it needs "us-east\/node-address", which did not finish\]/);
    // eu-west got as far as it could on its own.
    expect(lab.state().clusters['bookstore-platform-eu-west']!.releases['istio-system/istio-ingressgateway']?.status).toBe('deployed');
    const before = lab.calls().length;
    const last = await lab.lab(['up', '--target', 'kind', '--regions', 'us-east,eu-west', '--no-preload']);
    expect(last.code, last.stderr).toBe(0);
    const applied = lab.calls().slice(before).filter((c) => isMutating(c) && c.args.includes('kind-bookstore-platform-eu-west')).map(callLine);
    expect(applied).toEqual([expect.stringMatching(/^kubectl apply --context kind-bookstore-platform-eu-west -f .*eu-west\/manifests\.yaml$/)]);
  });
});
