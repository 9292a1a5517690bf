import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { resetRunner, setRunner } from '../../../scripts/core/proc.js';
import { LabError } from '../../../scripts/core/errors.js';
import { curl, curlArgv, displayCommand, parseHeaderDump, shellQuote } from '../../../scripts/tools/curl.js';
import { CookieJar, decodeJwt, loginFormAction, newPkce, TokenCache, toTokenSet, OAuthError } from '../../../scripts/keycloak/tokens.js';

afterEach(() => resetRunner());

describe('curl wrapper', () => {
  it('builds the argv the runner spawns', () => {
    expect(curlArgv({ url: 'https://localhost:8443/api/books', bodyFile: '/t/b', headersFile: '/t/h', headers: { Authorization: 'Bearer abc' } })).toEqual([
      'curl', '-sS', '-k', '-o', '/t/b', '-D', '/t/h', '-w', '%{http_code}', '--max-time', '15', '-H', 'Authorization: Bearer abc', 'https://localhost:8443/api/books',
    ]);
    expect(curlArgv({ url: 'u', bodyFile: 'b', method: 'HEAD', insecure: false })).toEqual(['curl', '-sS', '-I', '-o', 'b', '-w', '%{http_code}', '--max-time', '15', 'u']);
    expect(curlArgv({ url: 'u', bodyFile: 'b', method: 'POST' }).slice(0, 5)).toEqual(['curl', '-sS', '-k', '-X', 'POST']);
  });

  it('reads the last header block of a -D dump', () => {
    const dump = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="https://x/api", error="invalid_token"\r\ncontent-length: 14\r\n\r\n';
    expect(parseHeaderDump(dump)).toEqual({ 'www-authenticate': 'Bearer realm="https://x/api", error="invalid_token"', 'content-length': '14' });
  });

  it('shows a copyable command that reads the token from its file', () => {
    expect(displayCommand({ url: 'https://localhost:8443/api/books', headers: { Authorization: 'Bearer x', 'x-jwt-payload': 'e30' } }, '.lab/tokens/a.jwt')).toBe(
      `curl -sk -w '\\nHTTP %{http_code}\\n' -H "Authorization: Bearer $(cat .lab/tokens/a.jwt)" -H 'x-jwt-payload: e30' https://localhost:8443/api/books`,
    );
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('plain-word')).toBe('plain-word');
  });

  it('runs through proc.run and returns status, body and headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'curl-unit-'));
    try {
      const seen: string[][] = [];
      setRunner({
        async run(argv) {
          seen.push(argv);
          writeFileSync(argv[argv.indexOf('-o') + 1]!, 'Jwt is expired');
          writeFileSync(argv[argv.indexOf('-D') + 1]!, 'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Bearer realm="u", error="invalid_token"\r\n\r\n');
          return { command: argv, exitCode: 0, stdout: '401', stderr: '', durationMs: 3 };
        },
        spawnDetached: () => 0,
      });
      const r = await curl({ url: 'https://localhost:8443/api/books', bodyFile: join(dir, 'b'), headersFile: join(dir, 'h') });
      expect(r).toMatchObject({ status: 401, body: 'Jwt is expired', headers: { 'www-authenticate': 'Bearer realm="u", error="invalid_token"' } });
      expect(seen[0]![0]).toBe('curl');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a refused connection is a LabError that names the fix', async () => {
    setRunner({ run: async (argv) => ({ command: argv, exitCode: 7, stdout: '000', stderr: 'curl: (7) Failed to connect', durationMs: 1 }), spawnDetached: () => 0 });
    const e = await curl({ url: 'https://localhost:8443/x', bodyFile: '/nonexistent/b' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).fix).toMatch(/lab:status/);
    setRunner({ run: async (argv) => ({ command: argv, exitCode: 127, stdout: '', stderr: '', durationMs: 1 }), spawnDetached: () => 0 });
    const missing = (await curl({ url: 'u', bodyFile: 'b' }).catch((x: unknown) => x)) as LabError;
    expect(missing.why).toBe('curl is not installed');
  });
});

describe('Keycloak token helpers', () => {
  it('finds the login form action in Keycloak\'s page and decodes its entities', () => {
    const html = `<html><form id="kc-form-login" onsubmit="login.disabled = true; return true;" action="http://localhost:8090/realms/bookstore-platform/login-actions/authenticate?session_code=abc&amp;execution=e1&amp;client_id=storefront-web&amp;tab_id=t1" method="post"><input name="username"></form></html>`;
    expect(loginFormAction(html)).toBe('http://localhost:8090/realms/bookstore-platform/login-actions/authenticate?session_code=abc&execution=e1&client_id=storefront-web&tab_id=t1');
    expect(loginFormAction('<p>no form</p>')).toBeUndefined();
  });

  it('keeps cookies like a browser does for one host', () => {
    const jar = new CookieJar();
    jar.store(['AUTH_SESSION_ID=a1; Path=/realms/x/; HttpOnly', 'KC_RESTART=r; Path=/']);
    jar.store('KC_RESTART=; Max-Age=0; Path=/');
    jar.store(['KEYCLOAK_IDENTITY=id=with=equals; Path=/']);
    expect(jar.header()).toBe('AUTH_SESSION_ID=a1; KEYCLOAK_IDENTITY=id=with=equals');
  });

  it('makes an RFC 7636 S256 pair', () => {
    const p = newPkce();
    expect(p.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.challenge).toBe(createHash('sha256').update(p.verifier).digest('base64url'));
    expect(newPkce().verifier).not.toBe(p.verifier);
  });

  it('decodes a JWT without trusting it, and rejects what is not one', () => {
    const t = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.${Buffer.from('{"sub":"u","tenant":"acme-books"}').toString('base64url')}.c2ln`;
    expect(decodeJwt(t)).toEqual({ header: { alg: 'RS256', kid: 'k' }, payload: { sub: 'u', tenant: 'acme-books' }, signature: 'c2ln' });
    expect(() => decodeJwt('a.b')).toThrow(/2 parts/);
    expect(() => decodeJwt('a.b.c')).toThrow(/not base64url JSON/);
  });

  it('turns an error answer into an OAuthError', () => {
    expect(() => toTokenSet({ status: 400, json: { error: 'unauthorized_client', error_description: 'Client not allowed for direct access grants' } }, 0)).toThrow(OAuthError);
    expect(toTokenSet({ status: 200, json: { access_token: 'a.b.c', expires_in: 900 } }, 5)).toMatchObject({ accessToken: 'a.b.c', expiresIn: 900, obtainedAt: 5 });
  });

  it('shares one grant between concurrent callers and refreshes a nearly expired token', async () => {
    const cache = new TokenCache();
    let n = 0;
    const fetch = async () => ({ accessToken: `t${++n}`, expiresIn: 900, obtainedAt: Date.now() });
    const [a, b] = await Promise.all([cache.get('k', fetch), cache.get('k', fetch)]);
    expect(a.accessToken).toBe('t1');
    expect(b.accessToken).toBe('t1');
    expect(cache.grants).toBe(1);
    const short = async () => ({ accessToken: `s${++n}`, expiresIn: 5, obtainedAt: Date.now() });
    await cache.get('short', short);
    expect((await cache.get('short', short)).accessToken).toBe('s3'); // 5 s left < 20 s minimum: fetched again
    const failing = async () => {
      throw new Error('down');
    };
    await expect(cache.get('f', failing)).rejects.toThrow('down');
    expect((await cache.get('f', fetch)).accessToken).toBe('t4'); // a failure is not cached
  });
});
