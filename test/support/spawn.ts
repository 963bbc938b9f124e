/** Run the tenet CLI (src/cli/main.ts) in a child process, as a user would, and collect what it printed. */
import { spawn, type ChildProcess } from 'node:child_process';

export const CLI_ENTRY = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface SpawnResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export function spawnTenet(args: string[], options: { cwd: string; env?: Record<string, string>; onSpawn?: (child: ChildProcess) => void; nodeArgs?: string[] }): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI_ENTRY, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}

/** An `onSpawn` that kills the child with SIGKILL (kill -9) as soon as `condition` holds, polled every few ms. */
export function killWhen(condition: () => boolean, everyMs = 2): (child: ChildProcess) => void {
  return (child) => {
    const timer = setInterval(() => {
      if (!condition()) return;
      clearInterval(timer);
      child.kill('SIGKILL');
    }, everyMs);
    child.on('close', () => clearInterval(timer));
  };
}
