/**
 * `tenet report RUN -o report.html`: one self-contained HTML report of a bench or probe run. Thin: load the
 * run's report data (src/report/load.ts), render it (src/report/render.ts), write the file, say where.
 */
import { calibrationSourceOf, resolveCalibration } from '../judges/calibration-ref.ts';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { TenetError } from '../errors.ts';
import { loadReportData, renderReport } from '../report/index.ts';
import { renderDiscoverReport } from '../report/discover.ts';
import { DISCOVER_RUN_KIND, loadDiscoverResult } from '../discover/run.ts';
import { withContext } from './context.ts';
import { action, emit, examples, positiveInt } from './io.ts';

interface ReportOptions {
  output?: string;
  title?: string;
  examples?: number;
  calibration?: string;
}

/** Write atomically (a temporary file renamed into place), so a reader never sees half a report. */
function writeReport(file: string, html: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, html);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new TenetError('BAD_INPUT', `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'check that the folder is writable, or choose another path with -o',
      location: { file },
      cause: error,
    });
  }
}

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(0)} KB`;
}

export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('write a self-contained HTML report of a bench or probe run (works offline: nothing is loaded from a network)')
    .argument('<run>', 'the run id, as printed by `tenet bench` / `tenet probe` and in their --json output')
    .option('-o, --output <file>', 'the HTML file to write (default: report-RUN.html in the current folder; "-" prints it to stdout)')
    .option('--title <text>', 'the report title (default: from the run)')
    .option('--calibration <file|id|auto>', "bench runs: also show EVR and APV corrected for the judge's error, beside the raw ones: FILE (the JSON of `tenet judge calibrate --json`), a stored calibration ID, or auto")
    .option('--examples <n>', 'worst examples kept per foundation and model (default 3)', positiveInt('--examples', 1000))
    .action(
      action(async (runId: string, opts: ReportOptions, command: Command) =>
        withContext(command, async (ctx) => {
          const store = await ctx.store();
          if ((await store.runs.get(runId))?.kind === DISCOVER_RUN_KIND) {
            const loaded = await loadDiscoverResult(store, runId);
            if (!loaded) throw new TenetError('NOT_FOUND', `discover run ${runId} has no stored result yet`, { hint: 'rerun the same tenet discover command to finish it' });
            const html = renderDiscoverReport(loaded.result, loaded.conversations, { ...(opts.title !== undefined ? { title: opts.title } : {}), ...(program.version() ? { version: program.version()! } : {}) });
            if (opts.output === '-') {
              process.stdout.write(html);
              return;
            }
            const file = resolve(opts.output ?? `report-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}.html`);
            writeReport(file, html);
            emit(ctx, { run: runId, kind: DISCOVER_RUN_KIND, output: file, bytes: Buffer.byteLength(html), values: loaded.result.values.length }, () => `wrote ${file} (${kb(Buffer.byteLength(html))}; open ${pathToFileURL(file).href})`);
            return;
          }
          const judge = opts.calibration === 'auto' ? ((await store.runs.get(runId))?.config as { judge?: { id: string; version: string } } | undefined)?.judge : undefined;
          const calibration = opts.calibration ? await resolveCalibration(opts.calibration, { source: calibrationSourceOf(store), ...(judge ? { judge } : {}) }) : undefined;
          const data = await loadReportData(store, runId, {
            ...(calibration ? { calibration } : {}),
            ...(opts.title !== undefined ? { title: opts.title } : {}),
            ...(opts.examples !== undefined ? { worstPerGroup: opts.examples } : {}),
          });
          const html = renderReport(data, { ...(opts.examples !== undefined ? { worstPerGroup: opts.examples } : {}), version: program.version() ?? undefined });
          if (opts.output === '-') {
            if (ctx.json) throw new TenetError('BAD_USAGE', '--json and -o - both want stdout', { hint: 'write the report to a file with -o FILE when using --json' });
            process.stdout.write(html);
            return;
          }
          const file = resolve(opts.output ?? `report-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}.html`);
          writeReport(file, html);
          const bytes = Buffer.byteLength(html);
          const summary = {
            run: data.run.id,
            kind: data.run.kind,
            output: file,
            bytes,
            models: data.models.map((m) => m.model),
            worst_examples: data.worst.length,
            ...(data.probe ? { principles: data.probe.principles.length } : {}),
            data,
          };
          emit(ctx, summary, () => {
            const parts = data.vilmo ? [`${Object.keys(data.vilmo.results.methods).length} arms on ${data.vilmo.results.split.test} test prompts, target ${data.vilmo.results.target}`, `${data.vilmo.examples.length} examples`] : data.align ? [`best-of-${data.align.n} for ${data.align.model}, target ${data.align.target.id}`] : [
              `${data.models.length} model${data.models.length === 1 ? '' : 's'}`,
              ...(data.probe ? [`${data.probe.principles.length} principles`] : []),
              `${data.worst.length} worst examples`,
            ];
            return `wrote ${file} (${kb(bytes)}): ${data.run.kind} run ${data.run.id}, ${parts.join(', ')}\nopen it in a browser: ${pathToFileURL(file).href}`;
          });
        }),
      ),
    );
  examples(cmd, [
    'tenet report bench-1a2b3c4d5e6f -o report.html          # one offline HTML file',
    'tenet report probe-0f9e8d7c6b5a -o probe.html --examples 5',
    'tenet report vilmo-1a2b3c4d5e6f -o vilmo.html           # VILMO and its baselines: arms, paired differences, examples',
    'tenet report bench-1a2b3c4d5e6f -o - > report.html      # to stdout',
    'tenet report bench-1a2b3c4d5e6f -o report.html --json   # where it went, and the report data as JSON',
  ]);
}
