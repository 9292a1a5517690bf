// Getting tokens from Keycloak the way a client would: the (dev-only) password
// grant, and the authorization-code + PKCE flow scripted like a browser. undici
// only; gateway requests are curl's job (scripts/tools/curl.ts).
import { request } from 'undici';
import { createHash, randomBytes } from 'node:crypto';
import { LabError } from '../core/errors.js';
import { TOKEN_PATH, type RealmName } from '../core/config.js';

export interface TokenSet {
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  expiresIn: number;
  /** ms since epoch when Keycloak answered. */
  obtainedAt: number;
}

/** A token-endpoint answer as it came: the labs assert refusals, not only successes. */
export interface TokenResponse {
  status: number;
  json: Record<string, unknown>;
}

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`Keycloak answered ${status} ${error}${description ? `: ${description}` : ''}`);
  }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function unreachable(url: string, e: unknown): LabError {
  return new LabError(
    `Keycloak did not answer at ${url}`,
    (e as Error).message,
    'npm run lab:status   (then `npm run lab:up` if Keycloak is down)',
  );
}

/** POST a form to a realm's token endpoint and return whatever Keycloak says. */
export async function tokenRequest(keycloakUrl: string, realm: RealmName | string, form: Record<string, string | undefined>): Promise<TokenResponse> {
  const url = `${keycloakUrl}${TOKEN_PATH(realm as RealmName)}`;
  const body = new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  let res;
  try {
    res = await request(url, { method: 'POST', headers: FORM, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
  } catch (e) {
    throw unreachable(url, e);
  }
  const text = await res.body.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { error: 'non_json_response', error_description: text.slice(0, 200) };
  }
  return { status: res.statusCode, json };
}

/** A successful token response as a TokenSet; anything else throws OAuthError. */
export function toTokenSet(r: TokenResponse, started: number): TokenSet {
  if (r.status !== 200 || typeof r.json.access_token !== 'string') {
    throw new OAuthError(r.status, String(r.json.error ?? 'unknown_error'), String(r.json.error_description ?? ''));
  }
  return {
    accessToken: r.json.access_token,
    idToken: typeof r.json.id_token === 'string' ? r.json.id_token : undefined,
    refreshToken: typeof r.json.refresh_token === 'string' ? r.json.refresh_token : undefined,
    expiresIn: Number(r.json.expires_in ?? 0),
    obtainedAt: started,
  };
}

export interface PasswordGrant {
  keycloakUrl: string;
  realm: RealmName | string;
  clientId: string;
  /** Confidential clients only. */
  clientSecret?: string;
  username: string;
  password: string;
  scope?: string;
}

/** The resource-owner password grant. Dev-only: it teaches curl, not production. */
export async function passwordGrantResponse(g: PasswordGrant): Promise<TokenResponse> {
  return tokenRequest(g.keycloakUrl, g.realm, {
    grant_type: 'password',
    client_id: g.clientId,
    client_secret: g.clientSecret,
    username: g.username,
    password: g.password,
    scope: g.scope,
  });
}

export async function passwordGrant(g: PasswordGrant): Promise<TokenSet> {
  const started = Date.now();
  return toTokenSet(await passwordGrantResponse(g), started);
}

// ── the scripted browser ───────────────────────────────────────────────────

/** Just enough of a cookie jar for one Keycloak host: name=value, no attributes honoured. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      // Keycloak expires cookies by sending them empty with Max-Age=0.
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  names(): string[] {
    return [...this.cookies.keys()];
  }
}

export interface PkceParams {
  verifier: string;
  challenge: string;
  state: string;
  nonce: string;
}

/** RFC 7636: a 43-char verifier and its S256 challenge. */
export function newPkce(): PkceParams {
  const verifier = randomBytes(32).toString('base64url');
  return {
    verifier,
    challenge: createHash('sha256').update(verifier).digest('base64url'),
    state: randomBytes(12).toString('base64url'),
    nonce: randomBytes(12).toString('base64url'),
  };
}

const decodeEntities = (s: string) =>
  s.replace(/&amp;/g, '&').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The login form's action URL in Keycloak's HTML login page. */
export function loginFormAction(html: string): string | undefined {
  const form = /<form[^>]*\bid="kc-form-login"[^>]*>/i.exec(html)?.[0] ?? /<form[^>]*>/i.exec(html)?.[0];
  const action = form && /\baction="([^"]+)"/i.exec(form)?.[1];
  return action ? decodeEntities(action) : undefined;
}

/** The text of Keycloak's error/feedback message on a login page, for a readable failure. */
function pageMessage(html: string): string {
  const m = /class="[^"]*(?:kc-feedback-text|alert-error|pf-c-alert__title)[^"]*"[^>]*>([^<]+)</i.exec(html);
  return m?.[1]?.trim() ?? 'no message on the page';
}

export interface AuthorizeOptions {
  keycloakUrl: string;
  realm: RealmName | string;
  clientId: string;
  redirectUri: string;
  username: string;
  password: string;
  scope?: string;
  /** Reuse a browser session: a second login in the same jar skips the password form. */
  jar?: CookieJar;
}

export interface AuthorizeResult {
  code: string;
  pkce: PkceParams;
  jar: CookieJar;
  /** Whether the login form was shown (false when the SSO session answered directly). */
  formShown: boolean;
}

async function get(url: string, jar: CookieJar) {
  const cookie = jar.header();
  const res = await request(url, { method: 'GET', headers: cookie ? { cookie } : {}, headersTimeout: 30_000 });
  jar.store(res.headers['set-cookie']);
  return { status: res.statusCode, location: res.headers.location as string | undefined, body: await res.body.text() };
}

function codeFrom(location: string | undefined, state: string, what: string): string {
  if (!location) throw new Error(`${what}: Keycloak did not redirect`);
  const params = new URL(location).searchParams;
  if (params.get('error')) throw new OAuthError(302, params.get('error')!, params.get('error_description') ?? '');
  if (params.get('state') !== state) throw new Error(`${what}: state in the redirect does not match the request`);
  const code = params.get('code');
  if (!code) throw new Error(`${what}: no code in the redirect ${location}`);
  return code;
}

/**
 * Authorization endpoint → login form → POST credentials → 302 with `code`,
 * the way a browser would walk it, with an S256 challenge.
 */
export async function pkceAuthorize(o: AuthorizeOptions): Promise<AuthorizeResult> {
  const jar = o.jar ?? new CookieJar();
  const pkce = newPkce();
  const auth = new URL(`${o.keycloakUrl}/realms/${o.realm}/protocol/openid-connect/auth`);
  auth.search = new URLSearchParams({
    client_id: o.clientId,
    response_type: 'code',
    scope: o.scope ?? 'openid',
    redirect_uri: o.redirectUri,
    state: pkce.state,
    nonce: pkce.nonce,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  }).toString();
  let page;
  try {
    page = await get(auth.toString(), jar);
  } catch (e) {
    throw unreachable(auth.origin, e);
  }
  // An existing SSO session answers with the redirect straight away.
  if (page.status === 302) return { code: codeFrom(page.location, pkce.state, 'authorization'), pkce, jar, formShown: false };
  if (page.status !== 200) throw new Error(`authorization endpoint answered ${page.status}: ${pageMessage(page.body)}`);
  const action = loginFormAction(page.body);
  if (!action) throw new Error('no login form on the authorization page');
  const cookie = jar.header();
  const posted = await request(action, {
    method: 'POST',
    headers: { ...FORM, ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams({ username: o.username, password: o.password, credentialId: '' }).toString(),
    headersTimeout: 30_000,
  });
  jar.store(posted.headers['set-cookie']);
  const html = await posted.body.text();
  if (posted.statusCode !== 302) {
    throw new Error(`login form answered ${posted.statusCode} instead of a redirect: ${pageMessage(html)}`);
  }
  return { code: codeFrom(posted.headers.location as string | undefined, pkce.state, 'login'), pkce, jar, formShown: true };
}

export interface ExchangeOptions {
  keycloakUrl: string;
  realm: RealmName | string;
  clientId: string;
  redirectUri: string;
  code: string;
  /** Leave out to show Keycloak refusing an exchange without the verifier. */
  verifier?: string;
}

export async function exchangeCode(o: ExchangeOptions): Promise<TokenResponse> {
  return tokenRequest(o.keycloakUrl, o.realm, {
    grant_type: 'authorization_code',
    client_id: o.clientId,
    code: o.code,
    redirect_uri: o.redirectUri,
    code_verifier: o.verifier,
  });
}

/** The whole browser login: a TokenSet from the authorization-code + PKCE flow. */
export async function pkceLogin(o: AuthorizeOptions): Promise<TokenSet & { jar: CookieJar }> {
  const started = Date.now();
  const a = await pkceAuthorize(o);
  const r = await exchangeCode({ ...o, code: a.code, verifier: a.pkce.verifier });
  return { ...toTokenSet(r, started), jar: a.jar };
}

// ── decoding and caching ───────────────────────────────────────────────────

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

/** Decode without verifying: for display and for building lab tokens, never for trust. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`not a JWS compact token (${parts.length} parts)`);
  const part = (s: string, what: string) => {
    try {
      return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new Error(`JWT ${what} is not base64url JSON`);
    }
  };
  return { header: part(parts[0]!, 'header'), payload: part(parts[1]!, 'payload'), signature: parts[2]! };
}

/**
 * Tokens for one run, shared by every lab and region. Keycloak 24 hashes
 * passwords with PBKDF2 (210k iterations), so each grant costs real CPU;
 * concurrent callers for the same key share one in-flight request.
 */
export class TokenCache {
  private readonly entries = new Map<string, Promise<TokenSet>>();
  grants = 0;

  /** Reuse a cached token unless it expires within `minValiditySeconds`. */
  async get(key: string, fetch: () => Promise<TokenSet>, minValiditySeconds = 20): Promise<TokenSet> {
    const hit = this.entries.get(key);
    if (hit) {
      const t = await hit.catch(() => undefined);
      if (t && t.obtainedAt + (t.expiresIn - minValiditySeconds) * 1000 > Date.now()) return t;
      if (this.entries.get(key) !== hit) return this.get(key, fetch, minValiditySeconds);
    }
    const p = fetch();
    this.grants++;
    this.entries.set(key, p);
    p.catch(() => this.entries.get(key) === p && this.entries.delete(key));
    return p;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** A realm's published JWKS, as any verifier would fetch it. */
export async function fetchJwks(keycloakUrl: string, realm: RealmName | string): Promise<{ keys: Array<Record<string, unknown>> }> {
  const url = `${keycloakUrl}/realms/${realm}/protocol/openid-connect/certs`;
  let res;
  try {
    res = await request(url, { method: 'GET', headersTimeout: 15_000 });
  } catch (e) {
    throw unreachable(url, e);
  }
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new LabError(`JWKS of realm ${realm} answered ${res.statusCode}`, text.slice(0, 200), 'npm run lab:status');
  return JSON.parse(text) as { keys: Array<Record<string, unknown>> };
}
