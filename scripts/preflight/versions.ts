// Minimum-version checks for the kind toolchain. Tools print versions in
// their own shapes ("kind v0.24.0 go1.22", "v3.15.4+gfa9efb0", "v1.31.1");
// we only need major.minor.patch to compare against a floor.

export interface Version {
  major: number;
  minor: number;
  patch: number;
  raw: string;
}

/** The first `[v]X.Y[.Z]` in a string. */
export function parseVersion(text: string): Version | undefined {
  const m = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: m[0] };
}

export function atLeast(v: Version, min: string): boolean {
  const floor = parseVersion(min);
  if (!floor) throw new Error(`bad version floor ${min}`);
  if (v.major !== floor.major) return v.major > floor.major;
  if (v.minor !== floor.minor) return v.minor > floor.minor;
  return v.patch >= floor.patch;
}
