// Human output goes to stderr when --json owns stdout, so a script can pipe
// the JSON while a person still sees progress.
let jsonMode = false;
export function setJsonMode(on: boolean): void {
  jsonMode = on;
}
export function isJsonMode(): boolean {
  return jsonMode;
}
export function info(msg: string): void {
  (jsonMode ? process.stderr : process.stdout).write(msg + '\n');
}
export function warn(msg: string): void {
  process.stderr.write(`! ${msg}\n`);
}
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
