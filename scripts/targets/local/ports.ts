// Is a loopback port free? Binding it is the only honest test.
import { createServer } from 'node:net';
import { LabError } from '../../core/errors.js';

export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export interface PortClaim {
  port: number;
  what: string;
}

/** Throws a LabError naming the first busy port, what the lab wanted it for, and how to find its owner. */
export async function requirePortsFree(claims: PortClaim[], host = '127.0.0.1'): Promise<void> {
  const busy: PortClaim[] = [];
  for (const c of claims) if (!(await portFree(c.port, host))) busy.push(c);
  if (busy.length === 0) return;
  const list = busy.map((b) => `${b.port} (${b.what})`).join(', ');
  const first = busy[0]!.port;
  throw new LabError(
    `port${busy.length > 1 ? 's' : ''} ${list} already in use`,
    'another program (or another lab) is listening there',
    `find the owner with \`lsof -i :${first}\` or \`ss -ltnp 'sport = :${first}'\` and stop it, ` +
      'or run this lab on shifted ports: LAB_PORT_OFFSET=1000 npm run lab:up -- --target local',
  );
}
