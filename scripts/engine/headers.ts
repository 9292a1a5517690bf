// A request header map with Envoy's semantics: names are case-insensitive
// (stored lower-case), a name may repeat, and the order is kept.

export class HeaderMap {
  private entries: Array<[string, string]> = [];

  static from(headers: Record<string, string | string[] | undefined>): HeaderMap {
    const m = new HeaderMap();
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) m.add(name, String(v));
    }
    return m;
  }

  get(name: string): string[] {
    const n = name.toLowerCase();
    return this.entries.filter(([k]) => k === n).map(([, v]) => v);
  }

  has(name: string): boolean {
    const n = name.toLowerCase();
    return this.entries.some(([k]) => k === n);
  }

  add(name: string, value: string): void {
    this.entries.push([name.toLowerCase(), value]);
  }

  set(name: string, value: string): void {
    this.remove(name);
    this.add(name, value);
  }

  remove(name: string): void {
    const n = name.toLowerCase();
    this.entries = this.entries.filter(([k]) => k !== n);
  }

  names(): string[] {
    return [...new Set(this.entries.map(([k]) => k))];
  }

  /** Repeated headers joined with "," the way Envoy's matchers see them. */
  joined(name: string): string | undefined {
    const v = this.get(name);
    return v.length ? v.join(',') : undefined;
  }

  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const n of this.names()) out[n] = this.get(n).join(', ');
    return out;
  }
}
