/**
 * A progress line on stderr for long work: done/total, rate, ETA, errors, tokens, cost. On a terminal, the
 * lines of work running side by side (VILMO's chains) share one board, one line each, redrawn in place; a
 * finished line stays above it.
 */
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

/** The live lines on one terminal, and how many of them are on screen (the cursor ends the last one). */
interface Board {
  live: Set<() => string>;
  shown: number;
  lastDraw: number;
}

const boards = new WeakMap<NodeJS.WriteStream, Board>();

/** Rewrites the board in place: finished lines first (they stay), then one line per live progress. */
function drawBoard(stream: NodeJS.WriteStream, board: Board, finished: readonly string[] = []): void {
  const up = board.shown > 1 ? `\x1b[${board.shown - 1}A` : '';
  const kept = finished.map((line) => `${line}\x1b[K\n`).join('');
  const live = [...board.live].map((line) => `${line()}\x1b[K`).join('\n');
  stream.write(`\r${up}${kept}${live}\x1b[J`);
  board.shown = board.live.size;
  board.lastDraw = performance.now();
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
  let lastDecile = -1;
  let finished = false;

  const line = (): string => {
    const elapsed = (performance.now() - started) / 1000;
    const worked = done - skipped;
    const rate = elapsed > 0 ? worked / elapsed : 0;
    const left = options.total - done;
    const pct = options.total ? Math.floor((done / options.total) * 100) : 100;
    return `[${options.label}] ${done}/${options.total} ${pct}% | ${rate.toFixed(1)}/s | ETA ${rate > 0 ? formatDuration(left / rate) : '?'} | errors ${errors} | tokens ${formatCount(tokens)} | $${cost.toFixed(4)}${skipped ? ` | resumed ${skipped}` : ''}`;
  };

  /** This terminal's board, with this line on it. */
  const boardOf = (): Board => {
    let board = boards.get(stream);
    if (!board) boards.set(stream, (board = { live: new Set(), shown: 0, lastDraw: 0 }));
    board.live.add(line);
    return board;
  };

  const draw = (force = false): void => {
    if (!enabled || finished) return;
    const now = performance.now();
    if (tty) {
      const board = boardOf();
      if (!force && now - board.lastDraw < 100) return;
      drawBoard(stream, board);
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
      if (finished) return;
      if (!(enabled && tty)) {
        draw(true);
        finished = true;
        return;
      }
      finished = true;
      const board = boardOf();
      board.live.delete(line);
      drawBoard(stream, board, [line()]);
    },
  };
}
