// --dry-run: the requests each lab would make, without making them.
import { join } from 'node:path';
import { gatewayUrl, TOKEN_PATH, keycloakPublicUrl, type LabConfig } from '../core/config.js';
import { stateDir } from '../core/paths.js';
import { displayCommand } from '../tools/curl.js';
import { displayPath, plan } from './runner.js';
import type { LabDefinition } from './types.js';

export interface PlannedRequest {
  id: string;
  region: string;
  step: string;
  command: string;
}

export function planLabs(labs: LabDefinition[], cfg: LabConfig, env: NodeJS.ProcessEnv = process.env): PlannedRequest[] {
  const out: PlannedRequest[] = [];
  const tokens = join(stateDir(env), 'tokens');
  for (const lab of labs) {
    const { regions, skips } = plan(lab, cfg);
    for (const s of skips) out.push({ id: lab.id, region: s.region, step: 'skipped', command: `# ${s.reason}` });
    for (const region of regions) {
      if (!lab.steps) {
        out.push({ id: lab.id, region, step: 'scripted', command: `# a scripted lab: run it to see its requests (npm run labs -- ${lab.id})` });
        continue;
      }
      lab.steps.forEach((s, i) => {
        if (s.kind === 'keycloak-grant') {
          out.push({ id: lab.id, region, step: s.name, command: `curl -s -X POST -d grant_type=password -d client_id=${s.grant.client} -d username=${s.grant.user} -d password=… ${keycloakPublicUrl(cfg)}${TOKEN_PATH(s.grant.realm)}` });
          return;
        }
        const stem = i === 0 ? `${lab.id}-${region}` : `${lab.id}-${region}-${i + 1}`;
        const headers: Record<string, string> = { ...(s.request.headers ?? {}) };
        if (s.request.token) headers.Authorization = 'Bearer …';
        const file = s.request.token ? displayPath(join(tokens, `${stem}.jwt`)) : undefined;
        out.push({ id: lab.id, region, step: s.name, command: displayCommand({ url: `${gatewayUrl(cfg, region)}${s.request.path}`, method: s.request.method, headers }, file) });
      });
    }
  }
  return out;
}
