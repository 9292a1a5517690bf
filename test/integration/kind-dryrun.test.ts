// `npm run -s lab:up -- --target kind --dry-run --json` prints only the plan
// as a JSON array and touches nothing: not one docker/kind/helm/kubectl call,
// no state written.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../scripts/core/proc.js';
import { REPO, makeFakeLab } from '../fake-toolchain/index.js';

const lab = makeFakeLab();
afterAll(() => lab.cleanup());

describe('kind dry-run plan', () => {
  it('is only a JSON array of {region, title, command}, and nothing runs', async () => {
    const r = await run(['npm', 'run', '-s', 'lab:up', '--', '--target', 'kind', '--dry-run', '--json'], {
      cwd: REPO,
      env: { ...process.env, ...lab.env },
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(Array.isArray(plan)).toBe(true);
    for (const p of plan) {
      expect(Object.keys(p).sort()).toEqual(['command', 'region', 'title']);
      expect(p.region === null || typeof p.region === 'string').toBe(true);
      expect((p.command as unknown[]).every((a) => typeof a === 'string')).toBe(true);
    }
    const lines = plan.map((p) => (p.command as string[]).join(' '));
    expect(lines.filter((l) => l.startsWith('kind create cluster'))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith('helm upgrade --install') && l.includes('--version 1.23.2'))).toHaveLength(15);
    expect(lines.filter((l) => l.includes('oci://registry-1.docker.io/bitnamicharts/keycloak --version 21.4.4'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('kind load docker-image'))).toHaveLength(17);
    expect(lines.filter((l) => l.startsWith('kubectl apply'))).toHaveLength(7);
    expect(lab.calls()).toEqual([]);
    expect(existsSync(lab.labState)).toBe(false);
  });

  it('without --json prints numbered steps with their commands', async () => {
    const r = await lab.lab(['up', '--target', 'kind', '--dry-run', '--regions', 'eu-west', '--no-preload']);
    expect(r.code, r.stderr).toBe(0);
    // Without us-east in this run, eu-west reads the existing us-east node's address first.
    expect(r.stdout).toMatch(/^\s+1\. \[host\] read the us-east node address[^\n]*\n\s+\$ docker inspect --type container bookstore-platform-us-east-control-plane$/m);
    expect(r.stdout).toMatch(/^\s+2\. \[eu-west\] create kind cluster bookstore-platform-eu-west\n\s+\$ kind create cluster --name bookstore-platform-eu-west/m);
    expect(lab.calls()).toEqual([]);
  });
});
