/** A progress line on stderr for long work: done/total, rate, ETA, errors, tokens, cost. */
export interface Progress {
  /** One unit finished (or failed). */
  tick(update?: { error?: boolean; tokens?: number; costUsd?: number; skipped?: boolean }): void;
  /** Units found already done (resume): counted as done, not in the rate. */
  skip(count: number): void;
  finish(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Where to draw (default stderr). Nothing is drawn when `enabled` is false. */
  stream?: NodeJS.WriteStream;
  enabled?: boolean;
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : String(n);
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const enabled = options.enabled ?? true;
  const tty = Boolean(stream.isTTY);
  const started = performance.now();
  let done = 0;
  let skipped = 0;
  let errors = 0;
  let tokens = 0;
  let cost = 0;
  let lastDraw = 0;
  let lastDecile = -1;

  const line = (): string => {
    const elapsed = (performance.now() - started) / 1000;
    const worked = done - skipped;
    const rate = elapsed > 0 ? worked / elapsed : 0;
    const left = options.total - done;
    const pct = options.total ? Math.floor((done / options.total) * 100) : 100;
    return `[${options.label}] ${done}/${options.total} ${pct}% | ${rate.toFixed(1)}/s | ETA ${rate > 0 ? formatDuration(left / rate) : '?'} | errors ${errors} | tokens ${formatCount(tokens)} | $${cost.toFixed(4)}${skipped ? ` | resumed ${skipped}` : ''}`;
  };

  const draw = (force = false): void => {
    if (!enabled) return;
    const now = performance.now();
    if (tty) {
      if (!force && now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r${line()}\x1b[K`);
    } else {
      // Not a terminal (CI, a log file): one line per 10%.
      const decile = options.total ? Math.floor((done / options.total) * 10) : 10;
      if (decile === lastDecile) return;
      lastDecile = decile;
      stream.write(`${line()}\n`);
    }
  };

  return {
    tick(update = {}) {
      done++;
      if (update.error) errors++;
      tokens += update.tokens ?? 0;
      cost += update.costUsd ?? 0;
      draw();
    },
    skip(count) {
      done += count;
      skipped += count;
      draw();
    },
    finish() {
      draw(true);
      if (enabled && tty) stream.write('\n');
    },
  };
}
