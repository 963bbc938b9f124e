import { loadRunScores } from '../bench/run.ts';
import { correctedLines } from '../bench/format.ts';
import { correctedRates, parseCalibration } from '../judges/corrected.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { TenetError } from '../errors.ts';
import { trainEncoderJudgeFromData } from '../judges/local/encoder-train.ts';
import { trainLocalJudge } from '../judges/local/train.ts';
import { commonPart, EVAL_FORMATS, measureJudge, type EvalFormat, type JudgeMeasurement } from '../judges/measure.ts';
import type { MetricWithCI } from '../judges/metrics.ts';
import { calibrateRun, type CalibrationResult, type Estimate } from '../judges/calibration.ts';
import { readLabelsFile } from '../labels/io.ts';
import { createProgress } from '../runtime/progress.ts';
import { action, emit, examples, MAX_BOOTSTRAP_OPTION, MAX_LIMIT_OPTION, nonNegativeInt, positiveInt } from './io.ts';
import { withContext } from './context.ts';
import { formatAgreement, judgeAgreement } from '../judges/agree.ts';
import { interruptOnSigint } from '../runtime/run.ts';

const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const COMMITTED_WEIGHTS: Record<'local' | 'local-fast', string> = {
  local: fileURLToPath(new URL('../../data/judge/local-encoder-judge.json', import.meta.url)),
  'local-fast': fileURLToPath(new URL('../../data/judge/local-judge.json', import.meta.url)),
};

function metric(name: string, m: MetricWithCI): string {
  return `  ${name.padEnd(12)} ${m.value.toFixed(3)}  95% CI [${m.ci[0].toFixed(3)}, ${m.ci[1].toFixed(3)}]  N=${m.n}${m.units ? ` (${m.units} pairs)` : ''}${m.clusters ? `, ${m.clusters} prompts resampled` : ''}`;
}

export function renderMeasurement(m: JudgeMeasurement): string {
  const lines = [`${m.judge} on ${m.file} (${m.format}), ${m.rows} rows; scored ${m.partReason}`];
  if (m.schwartz) {
    lines.push(metric('accuracy', m.schwartz.accuracy), metric('macro-F1', m.schwartz.macroF1), metric('opposed-F1', m.schwartz.opposedF1));
  }
  if (m.binary) {
    lines.push(metric('accuracy', m.binary.accuracy), metric('F1', m.binary.f1), metric('AUROC', m.binary.auroc), metric('ECE', m.binary.calibration.ece));
    if (m.lowConfidence !== undefined) lines.push(`  low-confidence (flagged) ${m.lowConfidence} of ${m.rows}`);
  }
  return lines.join('\n');
}

/** Several judges measured on the same rows: one row per metric, one column per judge. */
export function renderComparison(ms: readonly JudgeMeasurement[]): string {
  const first = ms[0]!;
  const cell = (m: MetricWithCI | undefined): string => (m ? `${m.value.toFixed(3)} [${m.ci[0].toFixed(3)}, ${m.ci[1].toFixed(3)}]` : '—');
  const names: [string, (m: JudgeMeasurement) => MetricWithCI | undefined][] = first.schwartz
    ? [['accuracy', (m) => m.schwartz?.accuracy], ['macro-F1', (m) => m.schwartz?.macroF1], ['opposed-F1', (m) => m.schwartz?.opposedF1]]
    : [['accuracy', (m) => m.binary?.accuracy], ['F1', (m) => m.binary?.f1], ['AUROC', (m) => m.binary?.auroc], ['ECE', (m) => m.binary?.calibration.ece]];
  const width = Math.max(24, ...ms.map((m) => m.judge.length + 2));
  const n = first.schwartz?.accuracy ?? first.binary?.accuracy;
  return [
    `${first.file} (${first.format}), ${first.rows} rows, the same for every judge; scored ${first.partReason}`,
    `  ${''.padEnd(12)}${ms.map((m) => m.judge.padEnd(width)).join('')}`,
    ...names.map(([name, get]) => `  ${name.padEnd(12)}${ms.map((m) => cell(get(m)).padEnd(width)).join('')}`),
    `  95% bootstrap CIs, N = ${n?.n ?? first.rows}${n?.clusters ? `, ${n.clusters} prompts resampled` : ''}`,
  ].join('\n');
}

function estimate(name: string, e: Estimate): string {
  const f = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));
  return `  ${name.padEnd(12)} ${f(e.value)}  95% CI [${f(e.ci[0])}, ${f(e.ci[1])}]`;
}

export function renderCalibration(r: CalibrationResult): string {
  return [
    `calibration ${r.id}: judge ${r.judge.id}@${r.judge.version} at τ = ${r.tau} on run ${r.run} (sample seed ${r.seed})`,
    `  ${r.n_labels} labelled items used (${r.answers} answers by ${r.labellers} labeller${r.labellers === 1 ? '' : 's'}); left out: ${r.excluded.unsure} unsure, ${r.excluded.tied} tied, ${r.excluded.unlabelled} unlabelled`,
    estimate('sensitivity', r.sensitivity),
    estimate('specificity', r.specificity),
    estimate('precision', r.precision),
    estimate('AUROC', r.auroc),
    estimate('Cohen κ', r.kappa),
    ...(r.alpha ? [`${estimate('Kripp. α', r.alpha)}  (${r.alpha.items} items with ≥ 2 labels)`] : []),
    `  method: ${r.method}`,
  ].join('\n');
}

export function registerJudge(program: Command): void {
  const judge = program.command('judge').description('measure and train value judges');
  examples(
    judge.command('eval')
      .description('measure a judge on labelled data: accuracy, F1 (and AUROC or macro/opposed F1), each with N and a 95% bootstrap CI. Labels: fulcra = human–GPT-4 collaborative annotation; valuecompass-* = the Value Compass leaderboard\'s own classifier (extreme scores only), not people; ethics = crowd-worker (human) labels (docs/judges.md)')
      .requiredOption('--data <file>', 'labelled data file')
      .requiredOption('--format <format>', `one of ${EVAL_FORMATS.join(', ')}`)
      .option('--judge <spec>', 'local (encoder judge, default), local-fast (n-grams), local-cross (cross-encoder) or llm:MODEL_SPEC; several, comma-separated, are measured on the same rows and printed side by side', 'local')
      .option('--part <part>', 'score only this part of the split: train, validation, test or all (default: test for the local judge on data it trained on, else all)')
      .option('--limit <n>', 'score only the first N rows of the part, in file order (slow judges; the output says so)', positiveInt('--limit', MAX_LIMIT_OPTION))
      .option('--bootstrap <n>', 'bootstrap resamples', positiveInt('--bootstrap', MAX_BOOTSTRAP_OPTION), 1000)
      .option('--judge-samples <n>', 'LLM judge self-consistency samples', positiveInt('--judge-samples', 100))
      .option('--no-cache', 'LLM judges: do not use the response cache')
      .action(action(async (opts: { data: string; format: string; judge: string; part?: string; limit?: number; bootstrap: number; judgeSamples?: number; cache: boolean }, command: Command) => {
        if (!(EVAL_FORMATS as readonly string[]).includes(opts.format)) {
          throw new TenetError('BAD_USAGE', `--format must be one of ${EVAL_FORMATS.join(', ')}, got "${opts.format}"`);
        }
        if (opts.part && !['train', 'validation', 'test', 'all'].includes(opts.part)) {
          throw new TenetError('BAD_USAGE', `--part must be train, validation, test or all, got "${opts.part}"`);
        }
        const specs = opts.judge.split(',').map((x) => x.trim()).filter(Boolean);
        if (specs.length === 0 || specs.length > 8) throw new TenetError('BAD_USAGE', `--judge needs 1 to 8 judges, comma-separated, got "${opts.judge}"`);
        return withContext(command, async (ctx) => {
          const judges = [];
          for (const spec of specs) judges.push(await ctx.judge(spec, { noCache: !opts.cache, ...(opts.judgeSamples ? { samples: opts.judgeSamples } : {}) }));
          const shared = judges.length > 1 ? commonPart(judges, opts.format as EvalFormat) : undefined;
          const results: JudgeMeasurement[] = [];
          for (const judgeImpl of judges) {
            results.push(await measureJudge(judgeImpl, {
              file: opts.data, format: opts.format as EvalFormat, b: opts.bootstrap,
              progress: (total) => createProgress({ label: `judge eval ${judgeImpl.id}`, total }),
              ...(shared ? { sharedPart: shared } : {}),
              ...(opts.part ? { part: opts.part as 'train' | 'validation' | 'test' | 'all' } : {}),
              ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
            }));
          }
          if (results.length === 1) emit(ctx, results[0]!, () => renderMeasurement(results[0]!));
          else emit(ctx, { judges: results }, () => renderComparison(results));
        });
      })),
    [
      'tenet judge eval --data ../shared/data/fulcra/trustworthy-dev.jsonl --format fulcra',
      'tenet judge eval --data ../shared/data/valuecompass/mft-cases-dev.jsonl --format valuecompass-mft --json',
      'tenet judge eval --judge local-cross,local,local-fast --data ../shared/data/valuecompass/mft-cases-dev.jsonl --format valuecompass-mft   # side by side',
      'tenet judge eval --judge llm:openai:gpt-4o-mini --data ../shared/data/ethics/commonsense-test.csv --format ethics',
      'tenet judge eval --judge llm:llamacpp:smollm2-135m-instruct-q4_1 --data ../shared/data/fulcra/trustworthy-dev.jsonl --format fulcra --part test --limit 64',
    ],
  );
  examples(
    judge.command('agree <run>')
      .description("re-judge a run's stored samples with two judges (stored and cached: a rerun repeats no judgment) and report their agreement: Cohen's κ and Krippendorff's α with 95% CIs (bootstrap over prompts), the confusion table, the score correlation and the samples they disagree on most, with viewer links")
      .requiredOption('--judges <a,b>', 'the two judges, comma-separated: local, local-fast or llm:MODEL_SPEC')
      .option('--limit <n>', 'judge only the first N samples of the run (by sample id)', positiveInt('--limit', MAX_LIMIT_OPTION))
      .option('--top <n>', 'how many disagreements to list', positiveInt('--top', 10_000), 20)
      .option('--viewer-url <url>', 'the address `tenet view` serves at, for the links', 'http://127.0.0.1:7575/')
      .option('--bootstrap <n>', 'bootstrap resamples', positiveInt('--bootstrap', MAX_BOOTSTRAP_OPTION), 1000)
      .option('--no-cache', 'LLM judges: do not use the response cache')
      .action(action(async (run: string, opts: { judges: string; limit?: number; top: number; viewerUrl: string; bootstrap: number; cache: boolean }, command: Command) => {
        const specs = opts.judges.split(',').map((s) => s.trim()).filter(Boolean);
        if (specs.length !== 2) throw new TenetError('BAD_USAGE', `--judges needs exactly two judges, got "${opts.judges}"`, { hint: 'e.g. --judges local,local-fast' });
        return withContext(command, async (ctx) => {
          const store = await ctx.store();
          const [a, b] = [await ctx.judge(specs[0]!, { noCache: !opts.cache }), await ctx.judge(specs[1]!, { noCache: !opts.cache })];
          const sigint = interruptOnSigint();
          try {
            const result = await judgeAgreement(store, run, [a, b], {
              top: opts.top, viewerBase: opts.viewerUrl, b: opts.bootstrap, signal: sigint.signal,
              ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
            });
            emit(ctx, result, () => formatAgreement(result));
          } finally {
            sigint.dispose();
          }
        });
      })),
    [
      'tenet judge agree bench-1a2b3c4d5e6f --judges local,local-fast',
      'tenet judge agree bench-1a2b3c4d5e6f --judges local,llm:openai:gpt-4o-mini --limit 200 --json',
    ],
  );
  examples(
    judge.command('calibrate <run>')
      .description('the run\'s judge against human labels of its label sample: sensitivity, specificity, precision, AUROC and Cohen\'s κ at the run\'s τ, design-weighted, each with a stratified-bootstrap 95% CI (and Krippendorff\'s α between labellers); stored as a judge calibration')
      .option('--labels <file>', 'take the labels from this JSONL file ({item_id, label, labeller}) instead of the stored ones')
      .option('--seed <s>', 'which label sample of the run (default: its only one)', nonNegativeInt('--seed', 2 ** 31 - 1))
      .option('--bootstrap <n>', 'bootstrap resamples', positiveInt('--bootstrap', MAX_BOOTSTRAP_OPTION), 1000)
      .action(action(async (runId: string, opts: { labels?: string; seed?: number; bootstrap: number }, command: Command) => withContext(command, async (ctx) => {
        const store = await ctx.store();
        const labels = opts.labels ? await readLabelsFile(store, opts.labels) : undefined;
        const calibration = await calibrateRun(store, runId, { b: opts.bootstrap, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(labels ? { labels } : {}) });
        // the run's own rates corrected for the judge's error just measured (bench runs: EVR and APV per model)
        const run = await store.runs.get(runId);
        const corrected = run?.kind === 'bench' ? correctedRates(await loadRunScores(store, runId), parseCalibration(calibration, `calibration ${calibration.id}`), { b: opts.bootstrap }) : undefined;
        const result = { ...calibration, ...(corrected ? { corrected } : {}) };
        emit({ json: Boolean(command.optsWithGlobals().json) }, result, () => `${renderCalibration(calibration)}${corrected ? `\n${corrected.map((c) => `  ${c.model}: ${correctedLines({ evr_corrected: c.evr, apv_corrected: c.apv }).join('').trim()}`).join('\n')}` : ''}`);
      }))),
    [
      'tenet labels export RUN_ID --sample 120 -o sample.jsonl   # then label it, or use the viewer\'s Label page',
      'tenet labels import labelled.jsonl && tenet judge calibrate RUN_ID',
      'tenet judge calibrate RUN_ID --labels labelled.jsonl --json',
    ],
  );
  examples(
    judge.command('train')
      .description('train the offline local judge from the reference data (deterministic: the same data and seed give the same bytes)')
      .option('--data <dir>', 'reference data laid out as shared/data (fulcra/, valuecompass/, ethics/, touche23/)', SHARED_DATA)
      .option('--judge <which>', 'local (the encoder judge: embeds any text not in the feature cache, ~15 texts/s per core) or local-fast (n-grams, ~5 s)', 'local')
      .option('-o, --output <file>', 'where to write the weights (default: the committed file of that judge)')
      .option('--seed <n>', 'training seed', positiveInt('--seed', 2 ** 31 - 1), 1)
      .option('--check', 'do not write: exit 1 unless training reproduces the committed weights byte for byte')
      .action(action(async (opts: { data: string; judge: string; output?: string; seed: number; check?: boolean }, command: Command) => {
        if (opts.judge !== 'local' && opts.judge !== 'local-fast') throw new TenetError('BAD_USAGE', `--judge must be local or local-fast, got "${opts.judge}"`);
        const json = Boolean(command.optsWithGlobals().json);
        const output = opts.output ?? COMMITTED_WEIGHTS[opts.judge];
        const common = {
          dataDir: opts.data,
          seed: opts.seed,
          ...(opts.check ? {} : { outFile: output }),
          log: (line: string) => process.stderr.write(`${line}\n`),
        };
        const result = opts.judge === 'local' ? await trainEncoderJudgeFromData(common) : await trainLocalJudge(common);
        if (opts.check) {
          const same = readFileSync(output, 'utf8') === result.json;
          emit({ json }, { reproduced: same, judge: opts.judge, file: output, bytes: result.bytes }, () =>
            same ? `training reproduced ${output} byte for byte (${result.bytes} bytes)` : `training did NOT reproduce ${output}`);
          return same ? 0 : 1;
        }
        emit({ json }, { judge: opts.judge, file: output, bytes: result.bytes, seconds: result.seconds }, () =>
          `wrote ${output} (${result.bytes} bytes) in ${result.seconds.toFixed(1)} s`);
      })),
    [
      'tenet judge train --check',
      'tenet judge train --judge local-fast --check',
      'tenet judge train --data ../shared/data -o my-judge.json --seed 2 && tenet evaluate rows.jsonl --judge local:my-judge.json',
    ],
  );
}
