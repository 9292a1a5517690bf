import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeConfig } from '../../../scripts/core/config.js';
import { LabError } from '../../../scripts/core/errors.js';
import { localLayout } from '../../../scripts/targets/local/layout.js';
import {
  backendPort,
  backendSpec,
  gatewayReadyInfo,
  gatewaySpec,
  jwksRefreshSeconds,
  keycloakSpec,
} from '../../../scripts/targets/local/services.js';
import { buildState } from '../../../scripts/targets/local/state.js';
import { keycloakJvmOptions } from '../../../scripts/targets/local/up.js';
import { BUILD_ARGS } from '../../../scripts/targets/local/keycloak/dist.js';
import type { ProcRecord } from '../../../scripts/targets/local/processes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'svc-test-'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ LAB_STATE_DIR: dir, LAB_PORT_OFFSET: '1000' });

describe('service specs', () => {
  it('starts Keycloak on loopback with the issuer pinned and the cache build options', () => {
    const cfg = makeConfig({ target: 'local', env: env() });
    const layout = localLayout(env());
    const kc = keycloakSpec(cfg, layout, {});
    expect(kc.argv[0]).toBe(join(layout.keycloakHome, 'bin', 'kc.sh'));
    expect(kc.argv).toEqual(
      expect.arrayContaining(['start-dev', '--http-port=9090', '--http-host=127.0.0.1', '--hostname-url=http://localhost:9090', '--import-realm', ...BUILD_ARGS]),
    );
    expect(kc.markers).toEqual([`${layout.keycloakHome}/bin/`]);
    expect(kc.log).toBe(join(dir, 'local', 'logs', 'keycloak.log'));
  });

  it('puts the backend next to Keycloak and every gateway on its region ports, all shifted by the offset', () => {
    // The integration harness exports its own refresh interval; this test is about the default.
    vi.stubEnv('LAB_JWKS_REFRESH_SECONDS', undefined);
    const cfg = makeConfig({ target: 'local', env: env() });
    const layout = localLayout(env());
    expect(backendPort(cfg)).toBe(9091);
    expect(backendSpec(cfg, layout).env).toEqual({ PORT: '9091', HOST: '127.0.0.1' });
    const gw = gatewaySpec(cfg, layout, 'eu-west', { cert: '/c.pem', key: '/k.pem' }, {});
    expect(gw.ports.map((p) => p.port)).toEqual([10443, 10080]);
    const arg = (name: string) => gw.argv[gw.argv.indexOf(name) + 1];
    expect([arg('--region'), arg('--https-port'), arg('--http-port'), arg('--keycloak-port'), arg('--backend')]).toEqual([
      'eu-west', '10443', '10080', '9090', '127.0.0.1:9091',
    ]);
    expect(arg('--jwks-refresh-seconds')).toBe('30');
    // Identity markers must appear in the live command line, region included.
    expect(gw.argv.join(' ')).toContain(gw.markers[1]!);
  });
});

describe('JWKS refresh interval', () => {
  it('defaults to the kind target value and accepts an override', () => {
    expect(jwksRefreshSeconds({})).toBe(30);
    expect(jwksRefreshSeconds({ LAB_JWKS_REFRESH_SECONDS: '5' })).toBe(5);
    expect(() => jwksRefreshSeconds({ LAB_JWKS_REFRESH_SECONDS: '0.5' })).toThrow(LabError);
    expect(() => jwksRefreshSeconds({ LAB_JWKS_REFRESH_SECONDS: 'soon' })).toThrow(LabError);
  });
});

describe('gateway READY line', () => {
  it('takes the line of the recorded pid, ignoring earlier runs and torn lines', () => {
    const log = join(dir, 'gw.log');
    writeFileSync(
      log,
      [
        'GATEWAY READY {"region":"us-east","https":1,"http":2,"admin":null,"adminSocket":"/old.sock","pid":10}',
        '[gateway] something',
        'GATEWAY READY {"region":"us-east","https":3,"ht',
        'GATEWAY READY {"region":"us-east","https":8443,"http":8080,"admin":null,"adminSocket":"/new.sock","pid":20}',
        '',
      ].join('\n'),
    );
    expect(gatewayReadyInfo(log, 20)?.adminSocket).toBe('/new.sock');
    expect(gatewayReadyInfo(log, 10)?.https).toBe(1);
    expect(gatewayReadyInfo(log, 30)).toBeUndefined();
    expect(gatewayReadyInfo(join(dir, 'missing.log'), 20)).toBeUndefined();
  });
});

describe('state.json', () => {
  it('records URLs from the config and pids from the records', () => {
    const cfg = makeConfig({ target: 'local', env: env(), regions: ['us-east', 'ap-south'] });
    const layout = localLayout(env());
    const rec = (name: string, pid: number): ProcRecord => ({ name, pid, argv: [], markers: [], log: join(dir, `${name}.log`), startedAt: 't' });
    const s = buildState(cfg, layout, [rec('keycloak', 1), rec('gateway-us-east', 2)], '/s/secrets.json', '/c.pem');
    expect(s.keycloakUrl).toBe('http://localhost:9090');
    expect(s.adminConsole).toBe('http://localhost:9090/admin/');
    expect(Object.keys(s.regions)).toEqual(['us-east', 'ap-south']);
    expect(s.regions['us-east']).toEqual({ https: 'https://localhost:9443', http: 'http://localhost:9080' });
    expect(s.backend).toEqual({ host: '127.0.0.1', port: 9091, url: 'http://127.0.0.1:9091' });
    expect(s.processes).toEqual({ keycloak: { pid: 1, log: rec('keycloak', 1).log, startedAt: 't' }, 'gateway-us-east': { pid: 2, log: rec('gateway-us-east', 2).log, startedAt: 't' } });
  });
});

describe('Keycloak JVM options', () => {
  it('adds C1-only JIT unless the user already picked a JIT setting', () => {
    expect(keycloakJvmOptions(undefined)).toBe('-XX:TieredStopAtLevel=1');
    expect(keycloakJvmOptions('-Xmx1g')).toBe('-Xmx1g -XX:TieredStopAtLevel=1');
    expect(keycloakJvmOptions('-XX:TieredStopAtLevel=4')).toBe('-XX:TieredStopAtLevel=4');
  });
});
