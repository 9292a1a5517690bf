// The readiness waits: each region's gateway answers 200 on /static and 403
// on /api without a token, through the host port, trusting the lab's cert.
import type { LabConfig, Region } from '../../../core/config.js';
import type { KindRun, Step } from '../step.js';
import { waitForStatus } from '../wait.js';

export function waitSteps(cfg: LabConfig, region: Region): Step[] {
  const https = cfg.ports[region].https;
  const probe = (path: string, expect: number, label: string): Step => {
    const url = `https://localhost:${https}${path}`;
    const argv = (run: KindRun) => [
      'curl', '--silent', '--ipv4', '--output', '/dev/null', '--write-out', '%{http_code}',
      '--max-time', '5', '--cacert', run.paths.tlsCert, url,
    ];
    return {
      id: `${region}/wait${path}`,
      lane: region,
      region,
      title: () => `wait until ${path} ${label} answers ${expect}`,
      command: argv,
      mutates: false,
      exec: (run, io) => waitForStatus({ run, io, region, url, expect, argv: argv(run) }),
    };
  };
  return [probe('/static/index.html', 200, '(public)'), probe('/api/books', 403, 'without a token')];
}
