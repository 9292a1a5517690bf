// Maven, used only to fetch the Keycloak distribution from Maven Central
// (it reuses ~/.m2 and the user's mirror/proxy settings).
import { run, succeeds } from '../core/proc.js';

export async function mvnAvailable(): Promise<boolean> {
  return succeeds(['mvn', '-v'], { timeoutMs: 30_000 });
}

/** `mvn dependency:copy` of one artifact (`group:artifact:version:type`) into a folder. */
export async function dependencyCopy(artifact: string, outputDirectory: string): Promise<void> {
  await run(['mvn', '-q', '-B', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${outputDirectory}`], {
    timeoutMs: 30 * 60_000,
  });
}
