// Download progress as text: a bar for a terminal, a line every 10% for logs.
export function formatBytes(n: number): string {
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

export function formatProgress(received: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${formatBytes((received * 1000) / elapsedMs)}/s` : '';
  if (!total) return `${formatBytes(received)} ${rate}`.trim();
  const frac = Math.min(1, received / total);
  const width = 24;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  return `${bar} ${String(Math.floor(frac * 100)).padStart(3)}% ${formatBytes(received)}/${formatBytes(total)} ${rate}`.trim();
}

/**
 * A progress callback writing to a stream: redrawn in place (at most every
 * 100 ms) on a TTY, one line per 10% step otherwise so CI logs stay short.
 */
export function streamProgress(stream: NodeJS.WriteStream = process.stderr, label = 'download') {
  const started = Date.now();
  let lastDraw = 0;
  let lastStep = -1;
  return (received: number, total: number | undefined): void => {
    const elapsed = Date.now() - started;
    const done = total !== undefined && received >= total;
    if (stream.isTTY) {
      if (!done && Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      stream.write(`\r${label} ${formatProgress(received, total, elapsed)}${done ? '\n' : ''}`);
      return;
    }
    const step = total ? Math.floor((received / total) * 10) : Math.floor(received / 20_000_000);
    if (step === lastStep && !done) return;
    lastStep = step;
    stream.write(`${label} ${formatProgress(received, total, elapsed)}\n`);
  };
}
