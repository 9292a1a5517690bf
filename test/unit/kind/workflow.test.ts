// The CI workflow for the real kind path cannot run here (no Docker); this
// checks it at least asks for what the lab needs: the tools at or above the
// preflight floors, the inotify fix, up → labs → down, logs on failure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../scripts/core/paths.js';
import { MIN_VERSIONS } from '../../../scripts/preflight/tools.js';
import { INOTIFY_MIN } from '../../../scripts/preflight/inotify.js';
import { atLeast, parseVersion } from '../../../scripts/preflight/versions.js';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}
const wf = parse(readFileSync(join(REPO_ROOT, '.github', 'workflows', 'kind-e2e.yml'), 'utf8')) as {
  env: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
};
const steps = wf.jobs['kind-e2e']!.steps;
const runs = steps.map((s) => s.run ?? '');
const at = (text: string) => runs.findIndex((r) => r.includes(text));

describe('kind-e2e workflow', () => {
  it('pins kind, kubectl and helm at or above the preflight floors', () => {
    expect(atLeast(parseVersion(wf.env.KIND_VERSION!)!, MIN_VERSIONS.kind)).toBe(true);
    expect(atLeast(parseVersion(wf.env.KUBECTL_VERSION!)!, MIN_VERSIONS.kubectl)).toBe(true);
    expect(atLeast(parseVersion(wf.env.HELM_VERSION!)!, MIN_VERSIONS.helm)).toBe(true);
  });

  it('raises inotify to the preflight minimum before lab:up', () => {
    const i = at('sysctl');
    expect(runs[i]).toContain(`fs.inotify.max_user_watches=${INOTIFY_MIN.max_user_watches}`);
    expect(runs[i]).toContain(`fs.inotify.max_user_instances=${INOTIFY_MIN.max_user_instances}`);
    expect(i).toBeLessThan(at('npm run lab:up -- --target kind'));
  });

  it('runs npm ci, lab:up, labs, then lab:down even on failure, and exports kind logs on failure', () => {
    const order = ['npm ci', 'npm run lab:up -- --target kind', 'npm run labs -- --target kind', 'npm run lab:down -- --target kind'].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(steps[at('npm run lab:down')]!.if).toBe('always()');
    const logs = steps[at('kind export logs')]!;
    expect(logs.if).toBe('failure()');
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(JSON.stringify(upload.with)).not.toContain('.lab');
  });
});
