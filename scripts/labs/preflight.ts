// Before running anything: is there a lab to test? One clear error beats
// forty-six rows that all say "connection refused".
import { connect } from 'node:net';
import { request } from 'undici';
import { keycloakPublicUrl, PRIMARY_REALM, type LabConfig } from '../core/config.js';
import { LabError } from '../core/errors.js';

function portOpen(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function keycloakAnswers(cfg: LabConfig): Promise<boolean> {
  try {
    const r = await request(`${keycloakPublicUrl(cfg)}/realms/${PRIMARY_REALM}`, { headersTimeout: 5000, bodyTimeout: 5000 });
    await r.body.dump();
    return r.statusCode === 200;
  } catch {
    return false;
  }
}

/** What is missing for the labs to run on this config; empty when everything answers. */
export async function missingPieces(cfg: LabConfig): Promise<string[]> {
  const [kc, ...gws] = await Promise.all([keycloakAnswers(cfg), ...cfg.regions.map((r) => portOpen(cfg.host, cfg.ports[r].https))]);
  const out: string[] = [];
  if (!kc) out.push(`Keycloak does not answer at ${keycloakPublicUrl(cfg)}/realms/${PRIMARY_REALM}`);
  cfg.regions.forEach((r, i) => {
    if (!gws[i]) out.push(`nothing listens on the ${r} gateway port ${cfg.ports[r].https}`);
  });
  return out;
}

export async function assertLabUp(cfg: LabConfig): Promise<void> {
  const missing = await missingPieces(cfg);
  if (missing.length === 0) return;
  const offset = process.env.LAB_PORT_OFFSET ? `LAB_PORT_OFFSET=${process.env.LAB_PORT_OFFSET} ` : '';
  throw new LabError(
    `the ${cfg.target} lab is not running`,
    missing.join('; '),
    `${offset}npm run lab:up -- --target ${cfg.target}   (then npm run lab:status -- --target ${cfg.target})`,
  );
}
