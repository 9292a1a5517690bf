// The keys the gateway holds, fetched the way istiod does it
// (pilot/pkg/model/jwks_resolver.go): once when the policy arrives, then on a
// fixed interval (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL; the lab uses
// JWKS_REFRESH_SECONDS), never per request. A failed first fetch leaves the
// jwtRule with istiod's fake key (lookup returns undefined) and is retried; a
// failed refresh keeps the last keys that were fetched. A rule without
// jwksUri is resolved through <issuer>/.well-known/openid-configuration.
// Timeout 5 s per fetch, like istiod's default jwtRule timeout.
import type { Jwks, JwksLookup } from '../engine/types.js';

export type FetchJson = (uri: string) => Promise<unknown>;

const DISCOVERY = '/.well-known/openid-configuration';
const TIMEOUT_MS = 5_000;

/** Default fetcher: GET, 2xx required, body parsed as JSON (an unparseable 200 is kept as "no keys"). */
export const httpFetchJson: FetchJson = async (uri) => {
  const res = await fetch(uri, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) throw new Error(`status ${res.status}, message ${JSON.stringify(text.slice(0, 100))}`);
  try {
    return JSON.parse(text);
  } catch {
    // istiod would inline the body as-is; Envoy then rejects it as a JWKS.
    return { keys: null };
  }
};

export interface JwksEntryState {
  key: string;
  /** Keys from the last successful fetch; undefined until one succeeds. */
  jwks?: Jwks;
  lastSuccess?: number;
  lastError?: string;
  fetches: number;
}

export class JwksStore {
  private entries = new Map<string, JwksEntryState>();
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private count = 0;
  private inflight?: Promise<void>;
  private closed = false;

  constructor(
    private readonly fetchJson: FetchJson,
    private readonly refreshSeconds: number,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  /** Which keys to hold (jwksUri, or issuer discovery URL); new ones are fetched now. */
  async track(keys: string[]): Promise<void> {
    const fresh = keys.filter((k) => !this.entries.has(k));
    for (const k of [...this.entries.keys()]) if (!keys.includes(k)) this.entries.delete(k);
    for (const k of fresh) this.entries.set(k, { key: k, fetches: 0 });
    if (fresh.length) await this.refresh(fresh);
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.refresh(), this.refreshSeconds * 1000);
    this.timer.unref();
  }

  /** Restart the interval so the next scheduled refresh is one full interval from now. */
  restartTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.start();
  }

  get intervalSeconds(): number {
    return this.refreshSeconds;
  }

  /**
   * Fetch now and count the next interval from now, as a restarted istiod
   * would. The lab's break/reset use it so a "gateway has not refreshed yet"
   * window lasts one whole interval instead of whatever was left of it.
   */
  async restart(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.refresh();
    this.start();
  }

  lookup: JwksLookup = (uri) => this.entries.get(uri)?.jwks;

  fetchCount(): number {
    return this.count;
  }

  state(): JwksEntryState[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  /** One fetch per tracked key; concurrent callers share it. */
  refresh(only?: string[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.inflight && !only) return this.inflight;
    const run = this.doRefresh(only ?? [...this.entries.keys()]).finally(() => {
      if (this.inflight === run) this.inflight = undefined;
    });
    if (!only) this.inflight = run;
    return run;
  }

  private async fetchOne(key: string): Promise<Jwks> {
    let uri = key;
    if (key.endsWith(DISCOVERY)) {
      this.count++;
      const doc = (await this.fetchJson(key)) as Record<string, unknown> | null;
      if (!doc || typeof doc.jwks_uri !== 'string') throw new Error(`invalid jwks_uri in OpenID discovery ${key}`);
      uri = doc.jwks_uri;
    }
    this.count++;
    return (await this.fetchJson(uri)) as Jwks;
  }

  private async doRefresh(keys: string[]): Promise<void> {
    let failed = false;
    await Promise.all(
      keys.map(async (key) => {
        const entry = this.entries.get(key);
        if (!entry) return;
        entry.fetches++;
        try {
          entry.jwks = await this.fetchOne(key);
          entry.lastSuccess = Date.now();
          entry.lastError = undefined;
        } catch (e) {
          failed = true;
          entry.lastError = (e as Error).message;
          this.log(`JWKS fetch failed for ${key}: ${entry.lastError}${entry.jwks ? ' (keeping the last keys)' : ' (using the fake key until a fetch succeeds)'}`);
        }
      }),
    );
    // istiod retries entries that never loaded without waiting for the next tick.
    const missing = [...this.entries.values()].filter((e) => !e.jwks).map((e) => e.key);
    if (failed && missing.length && !this.retryTimer && !this.closed) {
      const delay = Math.min(this.refreshSeconds, 60) * 1000;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.refresh(missing.filter((k) => this.entries.get(k) && !this.entries.get(k)!.jwks));
      }, delay);
      this.retryTimer.unref();
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }
}
