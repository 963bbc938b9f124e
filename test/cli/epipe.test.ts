/**
 * `tenet … | head`: a reader that closes stdout early ends tenet quietly, as it does other Unix tools, instead of
 * an unhandled EPIPE stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_ENTRY } from '../support/spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-epipe-'));

/** Run the CLI with its stdout's read end closed before it writes (what `| head` does once it has its lines). */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir } });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('a closed stdout', () => {
  it.each([[['align', '--help']], [['values', 'list', '--framework', 'schwartz', '--json']]])('tenet %j | head exits quietly', async (args) => {
    const r = await runIntoClosedPipe(args);
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  }, 30_000);
});
