// Waits until a gateway URL answers the expected status, the way a learner
// would check it: with curl, trusting the lab's own certificate.
import { clusterName, kubeContext, type Region } from '../../core/config.js';
import { LabError } from '../../core/errors.js';
import { run as runTool } from '../../core/proc.js';
import type { KindRun, StepIo } from './step.js';

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function waitForStatus(o: { run: KindRun; io: StepIo; region: Region; url: string; expect: number; argv: string[] }): Promise<void> {
  const { run, io, region, url, expect } = o;
  const started = Date.now();
  let last = 'no answer yet';
  for (;;) {
    if (run.signal.aborted) throw new Interrupted();
    const r = await runTool(o.argv, { reject: false, timeoutMs: 10_000 });
    const code = Number(r.stdout.trim());
    if (code === expect) {
      io.progress(`${url} → ${code} after ${((Date.now() - started) / 1000).toFixed(0)}s`);
      return;
    }
    last = code > 0 ? `HTTP ${code}` : `no HTTP answer (curl exit ${r.exitCode})`;
    const waited = Date.now() - started;
    if (waited >= run.timeouts.readyMs) break;
    io.progress(`${url}: ${last}, want ${expect} (${Math.round(waited / 1000)}s of ${Math.round(run.timeouts.readyMs / 1000)}s)`);
    await sleep(run.timeouts.pollMs, run.signal);
  }
  const ctx = kubeContext(region);
  throw new LabError(
    `${url} did not answer ${expect} in ${Math.round(run.timeouts.readyMs / 1000)}s (last: ${last})`,
    `the ${region} gateway, its routes or the catalog backend are not ready`,
    `kubectl --context ${ctx} get pods -A; kubectl --context ${ctx} -n istio-system logs deploy/istio-ingressgateway --tail=50; ` +
      `then rerun \`npm run lab:up -- --target kind\` (it resumes; \`kind export logs --name ${clusterName(region)}\` collects everything)`,
  );
}
