/**
 * The progress line: on a terminal, lines of work running side by side share a board, one line each, rewritten
 * in place, a finished line kept above the live ones; elsewhere, one line per 10%. Checked on what a terminal
 * would show, by replaying the written bytes (carriage return, new line, cursor up, erase line, erase below).
 */
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/runtime/progress.ts';

/** A stream that records what is written, and a terminal's screen after it. */
function fakeStream(isTTY: boolean) {
  let written = '';
  const stream = { isTTY, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
  const screen = (): string[] => {
    const lines: string[] = [''];
    let row = 0;
    let col = 0;
    const put = (ch: string): void => {
      const l = lines[row]!;
      lines[row] = l.slice(0, col).padEnd(col) + ch + l.slice(col + 1);
      col++;
    };
    for (let i = 0; i < written.length; i++) {
      const ch = written[i]!;
      if (ch === '\r') col = 0;
      else if (ch === '\n') {
        row++;
        col = 0;
        lines[row] ??= '';
      } else if (ch === '\x1b') {
        const m = /^\x1b\[(\d*)([AKJ])/.exec(written.slice(i))!;
        if (m[2] === 'A') row = Math.max(0, row - Number(m[1] || 1));
        if (m[2] === 'K') lines[row] = lines[row]!.slice(0, col);
        if (m[2] === 'J') {
          lines[row] = lines[row]!.slice(0, col);
          lines.length = row + 1;
        }
        i += m[0].length - 1;
      } else put(ch);
    }
    return lines.filter((l, j) => l !== '' || j < lines.length - 1);
  };
  return { stream, screen, written: () => written };
}

describe('progress lines', () => {
  it('on a terminal, work running side by side gets a line each, and a finished line stays above the live ones', () => {
    const t = fakeStream(true);
    const a = createProgress({ label: 'vilmo round 0: scoring', total: 4, stream: t.stream });
    const b = createProgress({ label: 'ape: scoring', total: 2, stream: t.stream });
    a.tick();
    b.finish(); // nothing done yet: its line is kept as it is
    b.tick(); // a late tick after finish is not redrawn on the board
    a.tick();
    a.tick();
    a.finish();
    const screen = t.screen();
    expect(screen).toHaveLength(2);
    expect(screen[0]).toMatch(/^\[ape: scoring\] 0\/2 0% /);
    expect(screen[1]).toMatch(/^\[vilmo round 0: scoring\] 3\/4 75% /);
  });

  it('on a terminal, two live lines are both on screen, each rewritten in place', async () => {
    const t = fakeStream(true);
    const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 120)); // past the 100 ms redraw throttle
    const a = createProgress({ label: 'a', total: 10, stream: t.stream });
    const b = createProgress({ label: 'b', total: 10, stream: t.stream });
    const heads = (): string[] => t.screen().map((l) => l.split(' ').slice(0, 2).join(' '));
    a.skip(3);
    await pause();
    b.skip(1);
    expect(heads()).toEqual(['[a] 3/10', '[b] 1/10']);
    await pause();
    a.tick();
    expect(heads()).toEqual(['[a] 4/10', '[b] 1/10']);
    b.finish();
    expect(heads()).toEqual(['[b] 1/10', '[a] 4/10']); // the finished line above, the live one below
    a.finish();
    expect(heads()).toEqual(['[b] 1/10', '[a] 4/10']);
  });

  it('elsewhere (CI, a log file), one line per 10% (0% to 100%) and no escape codes', () => {
    const t = fakeStream(false);
    const p = createProgress({ label: 'bench', total: 20, stream: t.stream });
    for (let i = 0; i < 20; i++) p.tick();
    p.finish();
    expect(t.written()).not.toContain('\x1b');
    const lines = t.written().trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines.at(-1)).toMatch(/^\[bench\] 20\/20 100% /);
  });
});
