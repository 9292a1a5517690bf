import { afterEach, describe, expect, it } from 'vitest';
import { parseJavaVersion, requireJava } from '../../../scripts/tools/java.js';
import { resetRunner, setRunner, type RunResult } from '../../../scripts/core/proc.js';
import { LabError } from '../../../scripts/core/errors.js';

function fakeJava(exitCode: number, stderr: string): string[][] {
  const calls: string[][] = [];
  setRunner({
    async run(argv): Promise<RunResult> {
      calls.push(argv);
      return { command: argv, exitCode, stdout: '', stderr, durationMs: 1 };
    },
    spawnDetached() {
      throw new Error('not in this test');
    },
  });
  return calls;
}

afterEach(() => resetRunner());

describe('java', () => {
  it('parses the version lines Java prints', () => {
    expect(parseJavaVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime')).toEqual({ version: '17.0.15', major: 17 });
    expect(parseJavaVersion('java version "1.8.0_292"')).toEqual({ version: '1.8.0_292', major: 8 });
    expect(parseJavaVersion('openjdk version "21" 2023-09-19')).toEqual({ version: '21', major: 21 });
    expect(parseJavaVersion('openjdk version "22-ea" 2024-03-19')).toEqual({ version: '22-ea', major: 22 });
    expect(parseJavaVersion('bash: java: command not found')).toBeUndefined();
  });

  it('accepts Java 17 and uses JAVA_HOME like kc.sh does', async () => {
    const calls = fakeJava(0, 'openjdk version "17.0.15" 2025-04-15');
    const j = await requireJava({ JAVA_HOME: '/opt/jdk17' });
    expect(j.major).toBe(17);
    expect(calls[0]).toEqual(['/opt/jdk17/bin/java', '-version']);
  });

  it('explains how to install Java when it is missing', async () => {
    fakeJava(127, 'spawn java ENOENT');
    const err = await requireJava({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).what).toBe('Java not found');
    expect((err as LabError).fix).toContain('openjdk-17');
  });

  it('refuses Java 11 with the version it found', async () => {
    fakeJava(0, 'openjdk version "11.0.2" 2019-01-15');
    const err = await requireJava({}).catch((e: unknown) => e);
    expect((err as LabError).what).toBe('Java 11.0.2 is too old');
    expect((err as LabError).fix).toContain('JAVA_HOME');
  });
});
