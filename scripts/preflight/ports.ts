// Every host port the lab publishes must be free before kind binds it
// (a second bind fails half-way through a create). Ports already published
// by the lab's own cluster for that region are fine: that is a re-run.
import { createServer } from 'node:net';
import type { CheckOutcome } from './problem.js';

export interface PortClaim {
  port: number;
  /** "us-east https" */
  purpose: string;
  /** The lab's existing cluster that should already publish it, if any. */
  ownedBy?: { cluster: string; published: number[] };
}

/** Try to bind host:port; resolves with the error code when that fails. */
export function tryBind(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}

export function whoHoldsFix(port: number): string {
  return process.platform === 'win32' ? `netstat -ano | findstr :${port}` : `lsof -nP -iTCP:${port} -sTCP:LISTEN`;
}

export async function portChecks(host: string, claims: PortClaim[]): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  const seen = new Map<number, string>();
  for (const c of claims) {
    const name = `port ${c.port}`;
    const twice = seen.get(c.port);
    seen.set(c.port, c.purpose);
    if (twice) {
      out.push({
        name,
        status: 'fail',
        detail: `${c.purpose} and ${twice}`,
        problem: { what: `port ${c.port} is configured twice (${twice}, ${c.purpose})`, why: 'a host port can be bound once', fix: 'give every region distinct ports (check the port overrides and LAB_PORT_OFFSET)' },
      });
      continue;
    }
    if (c.ownedBy) {
      if (c.ownedBy.published.includes(c.port)) {
        out.push({ name, status: 'ok', detail: `${c.purpose}: published by the lab's ${c.ownedBy.cluster}` });
      } else {
        out.push({
          name,
          status: 'fail',
          detail: `${c.ownedBy.cluster} publishes ${c.ownedBy.published.join(', ') || 'nothing'}`,
          problem: {
            what: `${c.ownedBy.cluster} exists but does not publish port ${c.port} (${c.purpose})`,
            why: 'it was created with other ports (a different LAB_PORT_OFFSET?); kind cannot change the ports of a cluster',
            fix: `npm run lab:down -- --target kind && npm run lab:up -- --target kind`,
          },
        });
      }
      continue;
    }
    const err = await tryBind(host, c.port);
    if (err) {
      out.push({
        name,
        status: 'fail',
        detail: err,
        problem: {
          what: `port ${c.port} on ${host} is in use (${c.purpose})`,
          why: `kind maps ${c.purpose} there; creating the cluster would fail half-way (${err})`,
          fix: `find and stop whatever holds it: ${whoHoldsFix(c.port)}   (or shift every lab port: LAB_PORT_OFFSET=1000 npm run lab:up -- --target kind)`,
        },
      });
    } else out.push({ name, status: 'ok', detail: `${c.purpose}: free` });
  }
  return out;
}
