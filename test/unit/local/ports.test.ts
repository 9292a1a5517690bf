import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { portFree, requirePortsFree } from '../../../scripts/targets/local/ports.js';
import { LabError } from '../../../scripts/core/errors.js';

describe('ports', () => {
  it('sees a listening port as busy and names it with the way to find its owner', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    try {
      expect(await portFree(port)).toBe(false);
      const err = await requirePortsFree([{ port, what: 'us-east gateway https' }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LabError);
      expect((err as LabError).what).toContain(`${port} (us-east gateway https)`);
      expect((err as LabError).fix).toContain(`lsof -i :${port}`);
      expect((err as LabError).fix).toContain('LAB_PORT_OFFSET');
    } finally {
      await new Promise((r) => srv.close(r));
    }
    expect(await portFree(port)).toBe(true);
    await expect(requirePortsFree([{ port, what: 'x' }])).resolves.toBeUndefined();
  });
});
