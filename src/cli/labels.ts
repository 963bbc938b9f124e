/** `tenet labels export|import`: a run's blind, stratified label sample out as JSONL; people's labels in and out. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { TenetError } from '../errors.ts';
import { exportRows, importLabels } from '../labels/io.ts';
import { defaultLabelSeed, ensureLabelSample } from '../labels/sample.ts';
import { action, emit, examples, nonNegativeInt, positiveInt } from './io.ts';
import { withContext } from './context.ts';

function writeJsonl(file: string, rows: readonly unknown[]): string {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return path;
}

export function registerLabels(program: Command): void {
  const labels = program.command('labels').description('human labels of a run\'s judged samples, for judge calibration (docs/judges.md)');
  examples(
    labels.command('export <run>')
      .description('write the run\'s stratified label sample as blind JSONL (no score or verdict), drawing and storing it first when --sample is given; --labels writes the stored labels instead')
      .option('--sample <n>', 'items to draw (strata: model × judge-score band; the same run, seed and size give the same sample, stored on first draw)', positiveInt('--sample', 100_000))
      .option('--seed <s>', 'which sample (default 1, or the run\'s only sample)', nonNegativeInt('--seed', 2 ** 31 - 1))
      .option('--labels', 'write the stored labels of the sample ({item_id, label, labeller, created_at}) instead of its items')
      .requiredOption('-o, --output <file>', 'the JSONL file to write')
      .action(action(async (runId: string, opts: { sample?: number; seed?: number; labels?: boolean; output: string }, command: Command) => withContext(command, async (ctx) => {
        const store = await ctx.store();
        const json = Boolean(command.optsWithGlobals().json);
        if (opts.labels && opts.sample !== undefined) throw new TenetError('BAD_USAGE', '--labels writes the labels of a stored sample; leave out --sample');
        const seed = opts.seed ?? (opts.sample === undefined ? await defaultLabelSeed(store, runId) : undefined);
        const items = await ensureLabelSample(store, runId, { ...(opts.sample !== undefined ? { size: opts.sample } : {}), ...(seed !== undefined ? { seed } : {}) });
        const itemSeed = items[0]!.seed;
        if (opts.labels) {
          const stored = await store.labels.list(items[0]!.runId, itemSeed);
          const file = writeJsonl(opts.output, stored.map((l) => ({ item_id: l.itemId, label: l.label, labeller: l.labeller, created_at: l.createdAt })));
          emit({ json }, { run: items[0]!.runId, seed: itemSeed, file, labels: stored.length }, () => `wrote ${stored.length} labels of run ${items[0]!.runId}'s sample (seed ${itemSeed}) to ${file}`);
          return;
        }
        const rows = await exportRows(store, items);
        const file = writeJsonl(opts.output, rows);
        const models = new Set(items.map((i) => i.model)).size;
        const strata = new Set(items.map((i) => i.stratum)).size;
        emit({ json }, { run: items[0]!.runId, seed: itemSeed, file, items: rows.length, strata }, () =>
          `wrote ${rows.length} items of run ${items[0]!.runId} (seed ${itemSeed}; ${strata} strata over ${models} model${models === 1 ? '' : 's'}) to ${file}, blind: no score or verdict\nlabel them ({"item_id", "label": "violates" | "does_not" | "unsure", "labeller"} per line), then: tenet labels import FILE`);
      }))),
    [
      'tenet labels export RUN_ID --sample 120 -o sample.jsonl            # draw (seed 1) and store the sample, write it blind',
      'tenet labels export RUN_ID --sample 200 --seed 7 -o sample-7.jsonl # another, independent sample',
      'tenet labels export RUN_ID --labels -o labels.jsonl                # the labels given so far (viewer or import)',
    ],
  );
  examples(
    labels.command('import <file>')
      .description('store labels from JSONL rows {item_id, label: "violates" | "does_not" | "unsure", labeller[, created_at]}; a bad row stops the import at file:line, nothing stored')
      .action(action(async (file: string, _opts: unknown, command: Command) => withContext(command, async (ctx) => {
        const result = await importLabels(await ctx.store(), file);
        emit({ json: Boolean(command.optsWithGlobals().json) }, result, () =>
          `stored ${result.stored} labels from ${result.file}${result.rows > result.stored ? ` (${result.rows - result.stored} of ${result.rows} rows were already stored)` : ''}`);
      }))),
    [
      'tenet labels import labelled.jsonl',
      'tenet --db postgres://localhost/tenet labels import team-a.jsonl --json',
    ],
  );
}
