// Every failure a user can act on is a LabError: what failed, why, and the
// command that fixes it. The CLI prints these without a stack trace.

export class LabError extends Error {
  constructor(
    readonly what: string,
    readonly why: string,
    readonly fix: string,
    readonly exitCode = 1,
  ) {
    super(`${what}: ${why}`);
  }

  format(): string {
    return `✖ ${this.what}\n  why: ${this.why}\n  fix: ${this.fix}`;
  }

  toJSON() {
    return { error: this.what, why: this.why, fix: this.fix };
  }
}

export function isLabError(e: unknown): e is LabError {
  return e instanceof LabError;
}
