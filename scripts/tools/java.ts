// Java for the local target: Keycloak 24.0.5 runs on Java 17 (kc.sh uses
// $JAVA_HOME/bin/java when JAVA_HOME is set, else `java` on PATH; so do we).
import { join } from 'node:path';
import { run } from '../core/proc.js';
import { LabError } from '../core/errors.js';

export const MIN_JAVA_MAJOR = 17;

export interface JavaInfo {
  binary: string;
  version: string;
  major: number;
}

export function javaBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** `openjdk version "17.0.15" …`, `java version "1.8.0_292"`, `openjdk version "21" …` → version and major. */
export function parseJavaVersion(output: string): { version: string; major: number } | undefined {
  const m = /version "([^"]+)"/.exec(output);
  if (!m) return undefined;
  const version = m[1]!;
  const parts = version.split(/[._+-]/);
  const first = Number(parts[0]);
  if (!Number.isInteger(first)) return undefined;
  // Java 8 and older report 1.<major>.
  const major = first === 1 ? Number(parts[1]) : first;
  return Number.isInteger(major) ? { version, major } : undefined;
}

const INSTALL_HINT =
  'install a Java 17 runtime: Debian/Ubuntu `sudo apt-get install -y openjdk-17-jre-headless`, ' +
  'macOS `brew install openjdk@17`, or any Temurin 17 (https://adoptium.net); then check `java -version`';

export async function javaInfo(env: NodeJS.ProcessEnv = process.env): Promise<JavaInfo | undefined> {
  const binary = javaBinary(env);
  const r = await run([binary, '-version'], { reject: false, timeoutMs: 20_000 });
  if (r.exitCode !== 0) return undefined;
  // `java -version` prints to stderr.
  const parsed = parseJavaVersion(`${r.stderr}\n${r.stdout}`);
  return parsed ? { binary, ...parsed } : undefined;
}

/** The Java that kc.sh will use, or a LabError that says how to install one. */
export async function requireJava(env: NodeJS.ProcessEnv = process.env): Promise<JavaInfo> {
  const info = await javaInfo(env);
  if (!info) {
    throw new LabError(
      'Java not found',
      `the local target runs Keycloak 24.0.5, which needs Java ${MIN_JAVA_MAJOR}+, and \`${javaBinary(env)} -version\` did not answer`,
      INSTALL_HINT,
    );
  }
  if (info.major < MIN_JAVA_MAJOR) {
    throw new LabError(
      `Java ${info.version} is too old`,
      `Keycloak 24.0.5 needs Java ${MIN_JAVA_MAJOR}+ (found ${info.binary} ${info.version})`,
      `${INSTALL_HINT}; or point JAVA_HOME at a Java 17 install`,
    );
  }
  return info;
}
