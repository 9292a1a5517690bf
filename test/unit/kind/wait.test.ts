// The readiness wait polls with curl until the expected status, shows
// progress, and on timeout names what to look at and how to resume.
import { afterEach, describe, expect, it } from 'vitest';
import { makeConfig } from '../../../scripts/core/config.js';
import { LabError } from '../../../scripts/core/errors.js';
import { resetRunner, setRunner } from '../../../scripts/core/proc.js';
import { makeRun } from '../../../scripts/targets/kind/run-context.js';
import { Interrupted, waitForStatus } from '../../../scripts/targets/kind/wait.js';

afterEach(() => resetRunner());

/** curl stand-in answering the given codes in turn (the last one repeats). */
function curlSays(codes: string[]) {
  let i = 0;
  const seen: string[][] = [];
  setRunner({
    async run(argv) {
      seen.push(argv);
      const code = codes[Math.min(i++, codes.length - 1)]!;
      return { command: argv, exitCode: code === '000' ? 7 : 0, stdout: code, stderr: '', durationMs: 1 };
    },
    spawnDetached() {
      throw new Error('none');
    },
  });
  return seen;
}

const cfg = makeConfig({ target: 'kind', env: {} });
const env = { LAB_KIND_POLL_SECONDS: '0.01', LAB_KIND_READY_SECONDS: '0.2', LAB_STATE_DIR: '/tmp/lab-wait-test' };
const argv = ['curl', 'https://localhost:8443/api/books'];

describe('gateway readiness wait', () => {
  it('keeps polling through refusals and wrong codes until the expected one', async () => {
    const seen = curlSays(['000', '503', '404', '403']);
    const progress: string[] = [];
    await waitForStatus({ run: makeRun(cfg, { dryRun: false, env }), io: { progress: (m) => progress.push(m) }, region: 'us-east', url: 'https://localhost:8443/api/books', expect: 403, argv });
    expect(seen).toHaveLength(4);
    expect(progress[0]).toContain('no HTTP answer (curl exit 7), want 403');
    expect(progress.at(-1)).toMatch(/→ 403 after/);
  });

  it('times out with what to inspect and how to resume', async () => {
    curlSays(['503']);
    const e = await waitForStatus({ run: makeRun(cfg, { dryRun: false, env }), io: { progress: () => undefined }, region: 'eu-west', url: 'https://localhost:9443/static/index.html', expect: 200, argv }).catch((x) => x);
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).what).toContain('did not answer 200');
    expect((e as LabError).what).toContain('last: HTTP 503');
    expect((e as LabError).fix).toContain('kubectl --context kind-bookstore-platform-eu-west -n istio-system logs deploy/istio-ingressgateway');
    expect((e as LabError).fix).toContain('npm run lab:up -- --target kind');
  });

  it('stops at once when interrupted', async () => {
    curlSays(['000']);
    const ac = new AbortController();
    ac.abort();
    const e = await waitForStatus({ run: makeRun(cfg, { dryRun: false, env, signal: ac.signal }), io: { progress: () => undefined }, region: 'us-east', url: 'x', expect: 200, argv }).catch((x) => x);
    expect(e).toBeInstanceOf(Interrupted);
  });
});
