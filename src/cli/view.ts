/**
 * `tenet view`: serve the viewer over the store (read-only but for flagging judgments), or with
 * `--export DIR` write it as static files with the data of chosen runs, openable offline from disk.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { TenetError } from '../errors.ts';
import { DEFAULT_EXPORT_MAX_SAMPLES, DEFAULT_VIEW_PORT, isLoopback } from '../view/defaults.ts';
import { cliContext } from './context.ts';
import { action, commaList, emit, examples, plural, portNumber, positiveInt, type GlobalOptions } from './io.ts';

interface ViewOptions {
  port: number;
  host: string;
  token?: string;
  allowedHosts: string[];
  open?: boolean;
  graph: string[];
  export?: string;
  run: string[];
  maxSamples: number;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

async function openBrowser(url: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`tenet view: could not start a browser; open ${url} yourself\n`));
  child.unref();
}

export function registerView(program: Command): void {
  examples(
    program
      .command('view')
      .description('a live web viewer over the store: runs, metrics with CIs, samples, disputes, comparisons, leaderboard, moral graphs')
      .option('--port <n>', 'port, 0–65535 (0 picks a free one)', portNumber('--port'), DEFAULT_VIEW_PORT)
      .option('--host <host>', 'interface to listen on; anything but loopback needs a token', '127.0.0.1')
      .option('--token <token>', 'require this token (default: $TENET_VIEW_TOKEN; generated and printed when --host is not loopback)')
      .option('--allowed-hosts <names>', 'also answer to these Host names, comma-separated (behind a proxy; .example.org matches subdomains); others get 403 against DNS rebinding', commaList, [])
      .option('--open', 'open the viewer in the default browser')
      .option('--graph <file>', 'also show this moral graph file (tenet or study JSON); repeatable', collect, [])
      .option('--export <dir>', 'write a static copy (index.html + data) into DIR instead of serving')
      .option('--run <id>', 'with --export: a run to include (repeatable; default the 20 newest)', collect, [])
      .option('--max-samples <n>', 'with --export: samples per run at most', positiveInt('--max-samples', 10_000_000), DEFAULT_EXPORT_MAX_SAMPLES)
      .addHelpText(
        'after',
        [
          '',
          'Security: a request whose Host header is not localhost, an IP address, the --host or an --allowed-hosts',
          'name gets 403 (DNS rebinding); flagging a judgment also needs the per-launch write token the served page',
          'carries. See docs/viewer.md.',
        ].join('\n'),
      )
      .action(
        action(async (opts: ViewOptions, command: Command) => {
          const g = command.optsWithGlobals() as GlobalOptions;
          const ctx = cliContext(command);
          const store = await ctx.store();
          const graphs = opts.graph.map((f) => resolve(f));
          if (opts.export !== undefined) {
            const dir = resolve(opts.export);
            const { exportView } = await import('../view/export.ts');
            const out = await exportView({ store, dir, runs: opts.run, graphs, maxSamples: opts.maxSamples });
            const index = pathToFileURL(`${dir}/index.html`).href;
            emit(g, { ...out, index }, () =>
              [
                `tenet view: wrote ${plural(out.files.length, 'file')} to ${dir} (${plural(out.runs, 'run')}, ${plural(out.samples, 'sample')})`,
                ...Object.entries(out.truncated).map(([run, n]) => `  ${run}: ${n} samples left out (--max-samples ${opts.maxSamples})`),
                `open ${index}`,
              ].join('\n'),
            );
            await ctx.close();
            return;
          }
          if (opts.run.length > 0) throw new TenetError('BAD_USAGE', '--run chooses the runs of an --export', { hint: 'the live viewer shows every run; add --export DIR to write some of them' });
          let token = opts.token ?? process.env.TENET_VIEW_TOKEN;
          let generated = false;
          if (!isLoopback(opts.host) && !token) {
            token = randomBytes(18).toString('base64url');
            generated = true;
          }
          const { serveView } = await import('../view/serve.ts');
          const server = await serveView({ store, graphs, ...(ctx.dbLocation ? { storeLocation: ctx.dbLocation } : { storeLocation: store.describe().location }), port: opts.port, host: opts.host, allowedHosts: opts.allowedHosts, ...(token ? { token } : {}), log: (m) => process.stderr.write(`[view] ${m}\n`) });
          const url = token ? `${server.url}/?token=${encodeURIComponent(token)}` : server.url;
          emit(g, { url: server.url, store: store.describe(), ...(generated ? { token } : {}) }, () =>
            [`tenet view: serving ${store.describe().location} on ${url}`, ...(generated ? ['  (a token was generated because --host is not loopback; the link above carries it)'] : []), 'Press Ctrl-C to stop.'].join('\n'),
          );
          if (opts.open) await openBrowser(url);
          await new Promise<void>((done) => {
            process.once('SIGINT', () => done());
            process.once('SIGTERM', () => done());
          });
          await server.close();
          await ctx.close();
        }),
      ),
    [
      'tenet view                                       # http://127.0.0.1:7575 over ./.tenet/tenet.db',
      'tenet --db postgres://localhost/tenet view --open',
      'tenet view --graph graph.json                    # also show an imported moral graph',
      'tenet view --export view-out --run bench-1a2b3c4d5e6f --run bench-6f5e4d3c2b1a   # open view-out/index.html offline',
      'tenet view --host 0.0.0.0 --token "$TENET_VIEW_TOKEN"   # off loopback a token is required',
      'tenet view --allowed-hosts view.example.org      # behind a proxy that sends Host: view.example.org',

    ],
  );
}
