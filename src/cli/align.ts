/**
 * `tenet align …`: value targets, the BaseAlign reward, best-of-N, misalignment losses, exports for trainers
 * and a reward server. Thin: parse, call src/align/, print (`--json` for scripts).
 */
import { executorFor, executorOption, type ExecutorName } from './executor.ts';
import { createInterface } from 'node:readline/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import {
  alignRunConfigOf, BUILTIN_QUESTIONNAIRE, checkAnswers, EXPORT_FORMATS, exportRun, loadAlignPrompts, loadAlignResults, loadTarget, MAX_BON_N, misalignmentLoss,
  parseValues, PRESET_TARGETS, qualityRater, readQuestionnaire, runBestOfN, scoreFile, startRewardServer, targetFileContent,
  targetFromAnswers, targetFromSurvey, utilityRater, distances, judgeStoredSamples, REWARD_KINDS, type AlignResults, type Estimate, type ExportFormat, type PairMode, type RewardKind,
  type Questionnaire, type Target, type UtilityItem, type ValueSource,
} from '../align/index.ts';
import { readDataFile } from '../datafile.ts';
import { oneJudgeWarning } from '../judges/goodhart.ts';
import { maskThresholdOf } from '../align/mask.ts';
import { TenetError } from '../errors.ts';
import { lineError, readJsonl } from '../jsonl.ts';
import { countLines } from '../judges/evaluate.ts';
import type { SamplingParams } from '../models/types.ts';
import { localExecutor } from '../runtime/executor.ts';
import { createProgress } from '../runtime/progress.ts';
import { interruptOnSigint } from '../runtime/run.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import { registerVilmo } from './align-vilmo.ts';
import { withContext, type CliContext } from './context.ts';
import { action, allRowsFailed, commaList, emit, examples, formatError, portNumber, rowTicks, MAX_BATCH_OPTION, MAX_BOOTSTRAP_OPTION, MAX_CONCURRENCY_OPTION, MAX_LIMIT_OPTION, MAX_TOKENS_OPTION, positiveInt } from './io.ts';

const SHORT: Record<string, string> = {
  self_direction: 'SelfD', stimulation: 'Stim', hedonism: 'Hedon', achievement: 'Achiev', power: 'Power',
  security: 'Secur', tradition: 'Trad', conformity: 'Conf', benevolence: 'Benev', universalism: 'Univ',
};

const INTERRUPTED_EXIT = 130;

function vectorLine(vector: readonly (number | null)[]): string {
  return vector.map((v) => (v === null ? '—' : v.toFixed(2)).padStart(7)).join('');
}
const valueHeader = (): string => SCHWARTZ_VALUE_IDS.map((id) => SHORT[id]!.padStart(7)).join('');

function fmt(e: Estimate, digits = 3): string {
  if (e.mean === null) return 'n/a (N = 0)';
  const ci = e.ci[0] === null || e.ci[1] === null ? '' : ` [${e.ci[0].toFixed(digits)}, ${e.ci[1].toFixed(digits)}]`;
  return `${e.mean.toFixed(digits)}${ci}`;
}

function number(name: string, min = Number.NEGATIVE_INFINITY): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new TenetError('BAD_USAGE', `${name} must be a number${min > Number.NEGATIVE_INFINITY ? ` ≥ ${min}` : ''}, got "${value}"`);
    return n;
  };
}

function writeTargetFile(file: string, target: Target): string {
  const path = resolve(file);
  const content = targetFileContent(target);
  const text = path.endsWith('.json') ? `${JSON.stringify(content, null, 2)}\n` : toYaml(content);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** A judge for values: local, llm:SPEC, or (where allowed) `vectors`. */
async function valueSource(ctx: CliContext, spec: string, allowVectors: boolean, noCache: boolean): Promise<ValueSource> {
  if (spec === 'vectors') {
    if (!allowVectors) throw new TenetError('BAD_USAGE', '--judge vectors only works with `tenet align reward` (rows that carry their own values)');
    return 'vectors';
  }
  return ctx.judge(spec, { noCache });
}

function describeTarget(t: Target): string {
  return `${t.id.padEnd(10)} ${vectorLine(t.vector)}  ${t.name}`;
}

export function formatBon(r: AlignResults): string {
  const sel = `${r.select_judge.id}@${r.select_judge.version}`;
  const rep = `${r.judge.id}@${r.judge.version}`;
  const two = sel !== rep;
  const row = (label: string, p: Estimate, h: Estimate) => `${label.padEnd(24)}${fmt(p).padEnd(30)}${two ? fmt(h) : '(same judge)'}`;
  const rewardName = r.reward.kind === 'masked' ? 'reward (−masked distance)' : `reward (−${r.reward.kind})`;
  const lines = [
    `alignment run ${r.run} (${r.status}): best-of-${r.n} for ${r.model}, target ${r.target.id}`,
    `picks with (proxy): ${sel}; reports with (held-out): ${rep}; ${rewardName}, higher = closer`,
    `N = ${r.n_prompts} prompts (${r.prompts.source}); means with 95% bootstrap CIs over prompts`,
    '',
    `${''.padEnd(24)}${'proxy (select judge)'.padEnd(30)}held-out (report judge)`,
    row(`baseline (mean of ${r.n})`, r.proxy.baseline.reward, r.heldout.baseline.reward),
    row('first sample', r.proxy.first_sample.reward, r.heldout.first_sample.reward),
    row(`best-of-${r.n}`, r.proxy.best_of_n.reward, r.heldout.best_of_n.reward),
    row('difference (paired)', r.proxy.difference.reward, r.heldout.difference.reward),
    '',
    'best-of-n curve (expected reward of the proxy\'s pick among n of the samples; proxy rises by construction):',
    ...r.curve.map((c) => row(`  n = ${c.n}`, c.proxy, c.heldout)),
    '',
    `unmasked L2 over the target's values, held-out judge (FULCRA e_distance; lower = closer): baseline ${fmt(r.heldout.baseline.l2)}, best-of-${r.n} ${fmt(r.heldout.best_of_n.l2)}, difference ${fmt(r.heldout.difference.l2)}`,
    '',
    `value profile (held-out)${''.padEnd(0)}${valueHeader()}`,
    `${'target'.padEnd(24)}${vectorLine(r.target.vector)}`,
    `${'baseline'.padEnd(24)}${vectorLine(SCHWARTZ_VALUE_IDS.map((id) => r.heldout.baseline.values.mean[id]))}`,
    `${`best-of-${r.n}`.padEnd(24)}${vectorLine(SCHWARTZ_VALUE_IDS.map((id) => r.heldout.best_of_n.values.mean[id]))}`,
  ];
  if (r.quality) lines.push('', `quality (${r.quality.rater}, prompt ${r.quality.version}, 1–10): first sample ${fmt(r.quality.first_sample, 2)}, best-of-${r.n} ${fmt(r.quality.best_of_n, 2)}, difference ${fmt(r.quality.difference, 2)} (negative: the alignment tax)`);
  if (r.warnings.length) lines.push('', ...r.warnings.map((w) => `warning: ${w}`));
  lines.push('', `tenet report ${r.run} -o report.html   # the curve, radar and reward distributions; tenet align export ${r.run} --format dpo -o pairs.jsonl`);
  return lines.join('\n');
}

/** --reward: masked (BaseAlign), l1 or l2. */
function rewardKind(value: string): RewardKind {
  if (!(REWARD_KINDS as readonly string[]).includes(value)) throw new TenetError('BAD_USAGE', `--reward must be one of ${REWARD_KINDS.join(', ')}, got "${value}"`);
  return value as RewardKind;
}
const REWARD_HELP = 'masked (BaseAlign: −distance over the values the judge relates, with its mask threshold), l1 or l2 (−unmasked distance over the target\'s values; docs/align.md says which to train on)';

async function askQuestionnaire(q: Questionnaire): Promise<Map<string, number>> {
  if (!process.stdin.isTTY) throw new TenetError('BAD_USAGE', 'the questionnaire needs a terminal, or --answers FILE.json', { hint: 'give answers as {"q01": 5, ...} with --answers' });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answers = new Map<string, number>();
  try {
    process.stderr.write(`For each description, how much is this person like you? ${q.scale.min} = ${q.scale.minLabel} … ${q.scale.max} = ${q.scale.maxLabel}.\n`);
    if (q === BUILTIN_QUESTIONNAIRE) process.stderr.write('(tenet\'s own items, not the validated Portrait Values Questionnaire.)\n');
    for (const [i, item] of q.items.entries()) {
      for (;;) {
        const text = (await rl.question(`\n${i + 1}/${q.items.length}. ${item.text}\n  ${q.scale.min}–${q.scale.max}: `)).trim();
        const n = Number(text);
        if (Number.isInteger(n) && n >= q.scale.min && n <= q.scale.max) {
          answers.set(item.id, n);
          break;
        }
        process.stderr.write(`  please answer with a whole number from ${q.scale.min} to ${q.scale.max}\n`);
      }
    }
  } finally {
    rl.close();
  }
  return answers;
}

function parsePairs(value: string): PairMode {
  if (value === 'all') return { kind: 'all' };
  const m = /^sampled:(\d+)$/.exec(value);
  if (m && Number(m[1]) > 0) return { kind: 'sampled', n: Number(m[1]) };
  throw new TenetError('BAD_USAGE', `--pairs must be all or sampled:N, got "${value}"`);
}

export function registerAlign(program: Command): void {
  const align = program.command('align').description('move models toward chosen values: targets, the BaseAlign reward, best-of-N, misalignment losses, exports for trainers, a reward server');
  examples(align, [
    'tenet align targets                                          # the preset targets',
    'tenet align reward answers.jsonl --target ideal -o scored.jsonl',
    'tenet align bon --model ollama:llama3.1:8b --prompts builtin:align-questions --n 8 --target ideal --select-judge local-fast --judge local',
    'tenet align export RUN --format dpo -o pairs.jsonl',
    'tenet align serve-reward --target ideal --reward l1 --select-judge local-fast --judge local --port 5000',
    'docs/align.md explains each method and when to use it',
  ]);

  examples(
    align.command('targets')
      .description('list the preset value targets (10 Schwartz values, each in [−1, 1]) and where they come from')
      .action(action(async (_opts: unknown, command: Command) => {
        const json = Boolean(command.optsWithGlobals().json);
        emit({ json }, { targets: PRESET_TARGETS.map((t) => ({ id: t.id, name: t.name, values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v, i) => [v, t.vector[i]])), provenance: t.provenance })) }, () => [
          `${'target'.padEnd(10)} ${valueHeader()}`,
          ...PRESET_TARGETS.map(describeTarget),
          '',
          ...PRESET_TARGETS.map((t) => `${t.id}: ${t.provenance.note}`),
          '',
          'use --target NAME or --target FILE.yaml (tenet align target from-survey | questionnaire writes one)',
        ].join('\n'));
      })),
    ['tenet align targets', 'tenet align targets --json'],
  );

  const target = align.command('target').description('make a target file: from survey data or from a questionnaire');
  examples(target, [
    'tenet align target from-survey ess.csv --country GB --weight anweight -o gb.yaml',
    'tenet align target questionnaire -o me.yaml',
  ]);
  examples(
    target.command('from-survey <file>')
      .description('a country target from European Social Survey Human Values Scale microdata (CSV; no ESS data ships)')
      .requiredOption('--country <code>', 'the country code as in the data, e.g. GB, NL, FR')
      .option('--weight <column>', 'weight respondents by this column (e.g. anweight, pspwght)')
      .option('--country-column <column>', 'the country column', 'cntry')
      .option('--rescale <how>', 'range: divide by the scale width 5; max: make the strongest value ±1', 'range')
      .option('-o, --output <file>', 'write the target here (.yaml or .json)')
      .action(action(async (file: string, opts: { country: string; weight?: string; countryColumn: string; rescale: string; output?: string }, command: Command) => {
        if (opts.rescale !== 'range' && opts.rescale !== 'max') throw new TenetError('BAD_USAGE', `--rescale must be range or max, got "${opts.rescale}"`);
        const t = await targetFromSurvey({ file, country: opts.country, countryColumn: opts.countryColumn, rescale: opts.rescale, ...(opts.weight ? { weightColumn: opts.weight } : {}) });
        for (const w of t.warnings) process.stderr.write(`warning: ${w}\n`);
        const written = opts.output ? writeTargetFile(opts.output, t) : undefined;
        emit({ json: Boolean(command.optsWithGlobals().json) }, { target: targetFileContent(t), respondents: t.respondents, n: t.n, warnings: t.warnings, ...(written ? { output: written } : {}) }, () =>
          `${describeTarget(t)}\n${t.respondents.used} respondents used, ${t.respondents.excluded} left out (more than 5 of 21 items missing)\n${t.provenance.note}${written ? `\nwrote ${written}` : '\n(add -o FILE.yaml to save it)'}`);
      })),
    [
      'tenet align target from-survey ESS9e03_2.csv --country GB --weight anweight -o gb.yaml',
      'tenet align target from-survey ess.csv --country NL --rescale max --json',
    ],
  );
  examples(
    target.command('questionnaire')
      .description('your own target: answer portrait items in the terminal (or give an answers file); tenet\'s items are its own wording, not the validated PVQ')
      .option('--answers <file>', 'answers as JSON/YAML {item id: rating}, instead of asking')
      .option('--items <file>', 'use these items instead (e.g. the official PVQ text): {scale: {min, max}, items: [{id, value, text}]}')
      .option('--id <id>', 'the target id', 'personal')
      .option('--show-items', 'print the items and exit')
      .option('-o, --output <file>', 'write the target here (.yaml or .json)')
      .action(action(async (opts: { answers?: string; items?: string; id: string; showItems?: boolean; output?: string }, command: Command) => {
        const json = Boolean(command.optsWithGlobals().json);
        const q = opts.items ? readQuestionnaire(opts.items) : BUILTIN_QUESTIONNAIRE;
        if (opts.showItems) {
          emit({ json }, q, () => [`${q.source}; ${q.scale.min} = ${q.scale.minLabel} … ${q.scale.max} = ${q.scale.maxLabel}`, ...q.items.map((i) => `${i.id}  [${i.value}] ${i.text}`)].join('\n'));
          return;
        }
        let answers: Map<string, number>;
        if (opts.answers) {
          const data = readDataFile(opts.answers, 'answers', 'answers are a JSON or YAML object {item id: rating}');
          answers = checkAnswers(q, data.value, { file: opts.answers, lineOf: data.lineOf });
        } else {
          answers = await askQuestionnaire(q);
        }
        if (!/^[a-z][a-z0-9_-]*$/.test(opts.id)) throw new TenetError('BAD_USAGE', `--id must be lower case letters, digits, "_" or "-", got "${opts.id}"`);
        const t = targetFromAnswers(q, answers, { id: opts.id });
        const written = opts.output ? writeTargetFile(opts.output, t) : undefined;
        emit({ json }, { target: targetFileContent(t), ...(written ? { output: written } : {}) }, () => `${valueHeader()}\n${vectorLine(t.vector)}\n${written ? `wrote ${written}` : '(add -o FILE.yaml to save it)'}`);
      })),
    [
      'tenet align target questionnaire -o me.yaml                  # asks 21 items in the terminal',
      'tenet align target questionnaire --answers answers.json -o me.yaml --json',
      'tenet align target questionnaire --items pvq40.yaml --show-items',
    ],
  );

  examples(
    align.command('reward <input>')
      .description('score responses against a target with the BaseAlign reward (JSONL in, JSONL out): adds values, reward, distance, l2, l1')
      .requiredOption('--target <target>', 'a preset (tenet align targets) or a target file')
      .option('--judge <spec>', 'local (offline), llm:MODEL_SPEC, or vectors (use each row\'s own "values")', 'local')
      .option('--reward <kind>', REWARD_HELP, rewardKind, 'masked')
      .option('-o, --output <file>', 'write result rows here (default: stdout)')
      .option('--on-error <mode>', 'a malformed row: skip (report and go on) or fail (stop)', 'fail')
      .option('--batch-size <n>', 'rows per judge call', positiveInt('--batch-size', MAX_BATCH_OPTION), 64)
      .option('--no-cache', 'LLM judges: do not use the response cache')
      .action(action(async (input: string, opts: { target: string; judge: string; reward: RewardKind; output?: string; onError: string; batchSize: number; cache: boolean }, command: Command) => {
        if (opts.onError !== 'skip' && opts.onError !== 'fail') throw new TenetError('BAD_USAGE', `--on-error must be skip or fail, got "${opts.onError}"`);
        const t = loadTarget(opts.target);
        return withContext(command, async (ctx) => {
          const values = await valueSource(ctx, opts.judge, true, !opts.cache);
          const progress = createProgress({ label: 'reward', total: await countLines(input), enabled: Boolean(opts.output) && values !== 'vectors' });
          const { signal, dispose } = interruptOnSigint();
          try {
            const summary = await scoreFile({
              input, output: opts.output ?? process.stdout, target: t, values, reward: opts.reward, onError: opts.onError as 'skip' | 'fail', batchSize: opts.batchSize, signal,
              onProgress: rowTicks(progress),
              onSkip: (error) => process.stderr.write(`skipped: ${formatError(error)}\n`),
            });
            progress.finish();
            if (summary.mask.note && summary.reward === 'masked') process.stderr.write(`note: ${summary.mask.note}\n`);
            const line = `${summary.rows} rows scored against ${summary.target} (judge ${summary.judge}, ${summary.reward} reward${summary.reward === 'masked' ? `, mask |E| > ${summary.mask.threshold}` : ''}), ${summary.skipped} skipped; mean reward ${summary.mean.reward?.toFixed(4) ?? 'n/a'}, mean distance ${summary.mean.distance?.toFixed(4) ?? 'n/a'}`;
            if (opts.output) emit(ctx, { output: opts.output, ...summary }, () => `${line} → ${opts.output}`);
            else process.stderr.write(`${line}\n`);
            return signal.aborted ? INTERRUPTED_EXIT : allRowsFailed(summary, 'scored') ? 1 : 0;
          } finally {
            dispose();
          }
        });
      })),
    [
      'tenet align reward answers.jsonl --target ideal -o scored.jsonl                 # offline judge',
      'tenet align reward answers.jsonl --target gb.yaml --judge llm:openai:gpt-4o-mini -o scored.jsonl --on-error skip',
      'tenet align reward vectors.jsonl --target safety --judge vectors -o scored.jsonl   # rows carry "values"',
      'input rows: {"id"?, "prompt", "response", "values"?: [10 numbers] or {"benevolence": 0.8, ...}}',
    ],
  );

  registerVilmo(align);

  const bon = align.command('bon')
      .description('best-of-N: N samples per prompt, the select judge keeps the highest-reward one, the report judge scores it held out; baseline (mean of the N), first sample, best-of-N and the best-of-n curve, with paired CIs (a stored, resumable run)')
      .option('--model <spec>', 'the model to sample')
      .option('--prompts <source>', 'a JSONL file of {id, prompt} lines, or builtin:NAME (builtin:align-questions)')
      .option('--n <n>', 'samples per prompt', positiveInt('--n', MAX_BON_N))
      .option('--target <target>', 'a preset or a target file (default ideal)')
      .option('--judge <spec>', 'the report judge (held-out scores): local (offline) or llm:MODEL_SPEC (default local)')
      .option('--select-judge <spec>', 'the select judge (the proxy that picks the best of N); default: --judge, which warns (Goodhart)')
      .option('--reward <kind>', REWARD_HELP, rewardKind)
      .option('--quality-judge <spec>', 'rate helpfulness of both arms with llm:MODEL_SPEC (the alignment tax)')
      .option('--limit <n>', 'use only the first N prompts', positiveInt('--limit', MAX_LIMIT_OPTION))
      .option('--concurrency <c>', 'prompts worked on at once', positiveInt('--concurrency', MAX_CONCURRENCY_OPTION), 8)
      .option('--temperature <t>', 'sampling temperature (default 1)', number('--temperature', 0))
      .option('--max-tokens <m>', 'longest response in tokens (default 256)', positiveInt('--max-tokens', MAX_TOKENS_OPTION))
      .option('--resume <run>', 'continue this run (settings are taken from it)')
      .option('--base-url <url>', 'API base URL for the model (not the judge)')
      .option('--no-cache', 'always call the models, never answer from the response cache');
  executorOption(bon);
  examples(
    bon.action(action(async (opts: { model?: string; prompts?: string; n?: number; target?: string; judge?: string; selectJudge?: string; reward?: RewardKind; qualityJudge?: string; limit?: number; concurrency: number; temperature?: number; maxTokens?: number; resume?: string; baseUrl?: string; cache: boolean; executor: ExecutorName }, command: Command) => withContext(command, async (ctx) => {
        const executor = await executorFor(ctx, opts);
        const store = await ctx.store();
        const stored = opts.resume ? (await alignRunConfigOf(store, opts.resume)).config : undefined;
        const modelSpec = opts.model ?? stored?.model.spec;
        const source = opts.prompts ?? stored?.prompts.source;
        const n = opts.n ?? stored?.n;
        if (!modelSpec) throw new TenetError('BAD_USAGE', 'tenet align bon needs --model', { hint: 'e.g. --model ollama:llama3.1:8b (or --resume RUN)' });
        if (!source) throw new TenetError('BAD_USAGE', 'tenet align bon needs --prompts', { hint: 'a JSONL file of {id, prompt}, or builtin:align-questions (or --resume RUN)' });
        if (!n) throw new TenetError('BAD_USAGE', 'tenet align bon needs --n', { hint: 'samples per prompt, e.g. --n 4' });
        if (opts.qualityJudge && !opts.qualityJudge.startsWith('llm:')) throw new TenetError('BAD_USAGE', '--quality-judge must be llm:MODEL_SPEC');
        const limit = opts.limit ?? (stored && !opts.prompts ? stored.prompts.count : undefined);
        const prompts = await loadAlignPrompts(source, limit ? { limit } : {});
        const t = opts.target ? loadTarget(opts.target) : stored ? { id: stored.target.id, name: stored.target.name, vector: stored.target.vector, provenance: { source: stored.target.source, note: `from run ${opts.resume}` } } : loadTarget('ideal');
        const baseUrl = opts.baseUrl ?? (opts.model ? undefined : stored?.model.baseUrl ?? undefined);
        const model = await ctx.model(modelSpec, { ...(baseUrl ? { baseUrl } : {}), noCache: !opts.cache });
        const judgeSpec = opts.judge ?? stored?.judge.spec ?? 'local';
        const judge = await ctx.judge(judgeSpec, { noCache: !opts.cache });
        const selectSpec = opts.selectJudge ?? (stored ? (stored.selectJudge ?? stored.judge).spec : judgeSpec);
        const selectJudge = selectSpec === judgeSpec ? judge : await ctx.judge(selectSpec, { noCache: !opts.cache });
        const reward = opts.reward ?? stored?.reward;
        const quality = opts.qualityJudge ? qualityRater(await ctx.model(opts.qualityJudge.slice('llm:'.length), { noCache: !opts.cache })) : undefined;
        const sampling: SamplingParams = { ...stored?.sampling, ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}), ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}) };
        const progress = createProgress({ label: 'align bon', total: prompts.prompts.length });
        const sigint = interruptOnSigint();
        let result;
        try {
          result = await runBestOfN({
            store, prompts, model, n, target: t, judge, judgeSpec, selectJudge, selectJudgeSpec: selectSpec, sampling, ...(reward ? { reward } : {}), concurrency: opts.concurrency, signal: sigint.signal, progress,
            ...(executor ? { executor } : {}),
            ...(quality ? { quality } : {}),
            ...(opts.resume ? { resume: opts.resume } : {}),
            onRun: (run, config) => process.stderr.write(`alignment run ${run.id}: best-of-${config.n} on ${config.prompts.count} prompts, ${config.model.spec}, target ${config.target.id}, select judge ${(config.selectJudge ?? config.judge).id}@${(config.selectJudge ?? config.judge).version}, report judge ${config.judge.id}@${config.judge.version} (Ctrl-C stops; rerun the same command or --resume ${run.id} to continue)\n`),
          });
        } finally {
          sigint.dispose();
        }
        const { stage: _stage, ratingFailures: _rf, ...shown } = result;
        emit(ctx, shown, () => formatBon(result));
        if (result.stage.failed.length) process.stderr.write(`warning: ${result.stage.failed.length} prompts failed (first: ${result.stage.failed[0]!.error}); rerun the same command to retry them.\n`);
        for (const w of result.warnings) if (ctx.json) process.stderr.write(`warning: ${w}\n`);
        if (result.ratingFailures.length) process.stderr.write(`warning: ${result.ratingFailures.length} report-judge judgments or quality ratings failed (first: ${result.ratingFailures[0]!.error}); rerun the same command to retry them.\n`);
        if (result.interrupted) return INTERRUPTED_EXIT;
        return result.failures ? 1 : 0;
      }))),
    [
      'tenet align bon --model ollama:llama3.1:8b --prompts builtin:align-questions --n 8 --target ideal --select-judge local-fast --judge local',
      'tenet align bon --model openai:gpt-4o-mini --prompts prompts.jsonl --n 8 --target gb.yaml --select-judge local --judge llm:openai:gpt-4o-mini --quality-judge llm:openai:gpt-4o --json',
      'tenet align bon --resume align-1a2b3c4d5e6f                    # continue an interrupted run',
      'tenet report align-1a2b3c4d5e6f -o bon.html                     # the report: radar and reward distributions',
    ],
  );

  examples(
    align.command('results <run>')
      .description('the results of a stored best-of-N run (as `align bon` prints them)')
      .option('--reward <kind>', `${REWARD_HELP}; default the run's`, rewardKind)
      .action(action(async (runId: string, opts: { reward?: RewardKind }, command: Command) => withContext(command, async (ctx) => {
        const r = await loadAlignResults(await ctx.store(), runId, opts.reward ? { reward: opts.reward } : {});
        emit(ctx, r, () => formatBon(r));
      }))),
    ['tenet align results align-1a2b3c4d5e6f --json'],
  );

  examples(
    align.command('loss <input>')
      .description('misalignment losses between human and model utilities: L_pair (differences must agree) and L_strict (levels must agree), with bootstrap CIs')
      .option('--pairs <mode>', 'all pairs (within each group), or sampled:N', 'all')
      .option('--target <target>', 'U_H (and U_A) from value vectors: the BaseAlign reward of "human_values" (else "values") and of "model_values"')
      .option('--rate-with <spec>', 'U_A: ask this model to rate each (prompt, response) from −10 to 10 (prompts/align/rate.v1.md)')
      .option('--normalize <how>', 'none, or z: z-score both utilities first (utilities are defined up to scale)', 'none')
      .option('--bootstrap <b>', 'bootstrap resamples', positiveInt('--bootstrap', MAX_BOOTSTRAP_OPTION), 1000)
      .option('--concurrency <c>', 'ratings at once (--rate-with)', positiveInt('--concurrency', MAX_CONCURRENCY_OPTION), 8)
      .option('--no-cache', 'always call the rating model')
      .action(action(async (input: string, opts: { pairs: string; target?: string; rateWith?: string; normalize: string; bootstrap: number; concurrency: number; cache: boolean }, command: Command) => withContext(command, async (ctx) => {
        const pairs = parsePairs(opts.pairs);
        if (opts.normalize !== 'none' && opts.normalize !== 'z') throw new TenetError('BAD_USAGE', `--normalize must be none or z, got "${opts.normalize}"`);
        const t = opts.target ? loadTarget(opts.target) : undefined;
        const rater = opts.rateWith ? utilityRater(await ctx.model(opts.rateWith, { noCache: !opts.cache })) : undefined;
        const hint = 'rows look like {"id", "group"?, "u_human", "u_model"}; with --target, "human_values"/"values" and "model_values" (10-number vectors) can stand in; with --rate-with, "prompt" and "response" give u_model';
        const items: (UtilityItem & { line: number; prompt?: string; response?: string })[] = [];
        for await (const [line, row] of readJsonl(input, { hint })) {
          const num = (field: string): number | undefined => {
            const v = row[field];
            if (v === undefined || v === null) return undefined;
            if (typeof v !== 'number' || !Number.isFinite(v)) throw lineError(input, line, `"${field}" must be a number`, { path: field, hint });
            return v;
          };
          let uHuman = num('u_human');
          let uModel = num('u_model');
          if (t && uHuman === undefined && (row.human_values !== undefined || row.values !== undefined)) {
            const field = row.human_values !== undefined ? 'human_values' : 'values';
            uHuman = distances(parseValues(row[field], input, line, field), t.vector).reward;
          }
          if (t && uModel === undefined && row.model_values !== undefined) uModel = distances(parseValues(row.model_values, input, line, 'model_values'), t.vector).reward;
          if (uHuman === undefined) throw lineError(input, line, 'no human utility: give "u_human", or --target with "human_values"/"values"', { path: 'u_human', hint });
          if (uModel === undefined && !rater) throw lineError(input, line, 'no model utility: give "u_model", --target with "model_values", or --rate-with SPEC', { path: 'u_model', hint });
          if (uModel === undefined && (typeof row.prompt !== 'string' || typeof row.response !== 'string')) throw lineError(input, line, '--rate-with needs "prompt" and "response" strings', { path: 'response', hint });
          const id = typeof row.id === 'string' || typeof row.id === 'number' ? String(row.id) : `line-${line}`;
          const group = typeof row.group === 'string' || typeof row.group === 'number' ? String(row.group) : undefined;
          items.push({ id, line, uHuman, uModel: uModel ?? Number.NaN, ...(group !== undefined ? { group } : {}), ...(typeof row.prompt === 'string' ? { prompt: row.prompt } : {}), ...(typeof row.response === 'string' ? { response: row.response } : {}) });
        }
        const toRate = items.filter((i) => Number.isNaN(i.uModel));
        if (rater && toRate.length) {
          const progress = createProgress({ label: 'rate', total: toRate.length });
          const summary = await localExecutor.execute(toRate, async (item, signal) => {
            item.uModel = (await rater.rate({ prompt: item.prompt!, response: item.response! }, { signal })).score;
            progress.tick();
          }, { concurrency: opts.concurrency });
          progress.finish();
          if (summary.failed.length) {
            const first = summary.failed[0]!;
            throw new TenetError('PROVIDER', `${summary.failed.length} ratings failed; the first (line ${(first.unit as { line: number }).line}): ${first.error instanceof Error ? first.error.message : String(first.error)}`, { hint: 'rerun: ratings that succeeded come from the response cache' });
          }
        }
        const result = misalignmentLoss(items, { pairs, normalize: opts.normalize as 'none' | 'z', b: opts.bootstrap });
        const sources = { u_human: t ? `u_human, else the reward of human_values/values against ${t.id}` : 'u_human', u_model: rater ? `${rater.id} (prompt ${rater.version}) where u_model is absent` : t ? `u_model, else the reward of model_values against ${t.id}` : 'u_model' };
        emit(ctx, { input, ...result, sources }, () => [
          `${result.items} items in ${result.groups} group${result.groups === 1 ? '' : 's'}, utilities ${result.normalize === 'z' ? 'z-scored (inside each bootstrap draw)' : 'as given'}; 95% percentile bootstrap CIs over ${result.resampled}`,
          `L_strict = ${fmt(result.strict, 4)}   (N = ${result.strict.n})`,
          `L_pair   = ${fmt(result.pair, 4)}   (N = ${result.pair.n} items, ${result.pair.pairs} ${result.pair.mode} pairs)`,
          `U_H: ${sources.u_human}; U_A: ${sources.u_model}`,
        ].join('\n'));
      }))),
    [
      'tenet align loss utilities.jsonl                                # rows {id, group?, u_human, u_model}',
      'tenet align loss judged.jsonl --target ideal --pairs sampled:20000 --json   # rows with human_values and model_values',
      'tenet align loss actions.jsonl --target ideal --rate-with openai:gpt-4o-mini --normalize z',
    ],
  );

  examples(
    align.command('export <run>')
      .description('training data from a best-of-N run in TRL\'s formats: dpo {prompt, chosen, rejected}, sft {prompt, completion}, kto {prompt, completion, label}; from a VILMO run, its (prompt, best instruction) pairs to fine-tune a generator; sidecar FILE.meta.json')
      .requiredOption('--format <format>', `one of ${EXPORT_FORMATS.join(', ')}`)
      .requiredOption('-o, --output <file>', 'the JSONL file to write')
      .option('--chat', 'conversational variant: message lists instead of strings (sft: {messages})')
      .option('--min-margin <r>', 'dpo/kto: keep a prompt only when best − worst reward (VILMO: conformity) ≥ this', number('--min-margin', 0), 0)
      .option('--min-conformity <c>', 'VILMO runs: export an instruction only when its conformity ≥ this (default 0.5)', number('--min-conformity', 0))
      .option('--select-judge <spec>', 'best-of-N runs: the judge that picks chosen/rejected (default the run\'s select judge; samples it has not judged are judged now)')
      .option('--judge <spec>', 'best-of-N runs: the report judge that checks the pairs held out (default the run\'s)')
      .option('--reward <kind>', `best-of-N runs: ${REWARD_HELP}; default the run's`, rewardKind)
      .action(action(async (runId: string, opts: { format: string; output: string; chat?: boolean; minMargin: number; minConformity?: number; selectJudge?: string; judge?: string; reward?: RewardKind }, command: Command) => withContext(command, async (ctx) => {
        const store = await ctx.store();
        const picks: { select?: { id: string; version: string }; report?: { id: string; version: string }; reward?: RewardKind } = opts.reward ? { reward: opts.reward } : {};
        for (const [key, spec] of [['select', opts.selectJudge], ['report', opts.judge]] as const) {
          if (!spec) continue;
          const judge = await ctx.judge(spec);
          const judged = await judgeStoredSamples(store, (await alignRunConfigOf(store, runId)).run.id, judge);
          if (judged.failed.length) throw new TenetError('PROVIDER', `${judged.failed.length} samples could not be judged by ${judge.id} (first: ${judged.failed[0]!.error})`, { hint: 'rerun: judgments that succeeded are stored' });
          picks[key] = { id: judge.id, version: judge.version };
        }
        const summary = await exportRun(store, runId, resolve(opts.output), { format: opts.format as ExportFormat, chat: Boolean(opts.chat), minMargin: opts.minMargin, ...(opts.minConformity !== undefined ? { minConformity: opts.minConformity } : {}), picks });
        const judges = summary.select_judge && summary.judge ? `\npicked by ${summary.select_judge.id}@${summary.select_judge.version} (proxy); ${summary.heldout?.agree === null || !summary.heldout ? 'no pairs to check' : `the report judge ${summary.judge.id}@${summary.judge.version} orders ${(summary.heldout.agree * 100).toFixed(1)}% of the ${summary.heldout.pairs} pairs the same way (held-out mean margin ${summary.heldout.mean_margin!.toFixed(3)})`}` : '';
        emit(ctx, summary, () => `${summary.rows} ${summary.format}${summary.chat ? ' (chat)' : ''} rows from ${summary.prompts} prompts → ${summary.output}\n${summary.skipped.no_margin} prompts without the margin, ${summary.skipped.duplicate} duplicates left out; target and judges in ${summary.meta}${judges}${summary.warnings.map((w) => `\nwarning: ${w}`).join('')}`);
      }))),
    [
      'tenet align export align-1a2b3c4d5e6f --format dpo -o pairs.jsonl --min-margin 0.2',
      'tenet align export align-1a2b3c4d5e6f --format dpo -o pairs.jsonl --select-judge local-fast --judge llm:openai:gpt-4o-mini   # re-pick with other judges',
      'tenet align export align-1a2b3c4d5e6f --format sft --chat -o sft.jsonl',
      'tenet align export align-1a2b3c4d5e6f --format kto -o kto.jsonl --json',
      'tenet align export vilmo-1a2b3c4d5e6f --format sft --chat -o generator-sft.jsonl   # VILMO: (prompt, best instruction) pairs to fine-tune a generator',
    ],
  );

  examples(
    align.command('serve-reward')
      .description('an HTTP reward server for RL trainers, compatible with OpenRLHF\'s remote reward model (POST /get_reward, GET /health)')
      .option('--target <target>', 'a preset or a target file', 'ideal')
      .option('--select-judge <spec>', 'the judge whose reward the trainer optimises: local (offline) or llm:MODEL_SPEC (default: --judge, which warns: Goodhart)')
      .option('--judge <spec>', 'the report judge, logged held out beside it (extra_logs.heldout_reward)', 'local')
      .option('--reward <kind>', REWARD_HELP, rewardKind, 'masked')
      .option('--host <host>', 'address to bind', '127.0.0.1')
      .option('--port <port>', 'port, 0–65535 (0 picks a free one)', portNumber('--port'), 5000)
      .option('--allowed-hosts <names>', 'also answer to these Host names, comma-separated (others than localhost and IP addresses get 403: DNS rebinding)', commaList, [])
      .option('--max-body <bytes>', 'largest request body', positiveInt('--max-body', 1024 ** 3), 8 * 1024 * 1024)
      .option('--max-concurrent <n>', 'requests scored at once; more get 503 with Retry-After', positiveInt('--max-concurrent', 1024), 8)
      .option('--timeout <ms>', 'longest the judge may take for one request', positiveInt('--timeout', 86_400_000), 120_000)
      .option('--body-timeout <ms>', 'longest a client may take to send its body', positiveInt('--body-timeout', 3_600_000), 30_000)
      .option('--batch-size <n>', 'queries per judge call', positiveInt('--batch-size', MAX_BATCH_OPTION), 32)
      .action(action(async (opts: { target: string; judge: string; selectJudge?: string; reward: RewardKind; host: string; port: number; allowedHosts: string[]; maxBody: number; maxConcurrent: number; timeout: number; bodyTimeout: number; batchSize: number }, command: Command) => withContext(command, async (ctx) => {
        const t = loadTarget(opts.target);
        const report = await ctx.judge(opts.judge);
        const judge = opts.selectJudge && opts.selectJudge !== opts.judge ? await ctx.judge(opts.selectJudge) : report;
        const server = await startRewardServer({
          target: t, judge, reportJudge: report, reward: opts.reward, host: opts.host, port: opts.port, allowedHosts: opts.allowedHosts, maxBodyBytes: opts.maxBody, maxConcurrent: opts.maxConcurrent, requestTimeoutMs: opts.timeout, bodyTimeoutMs: opts.bodyTimeout, batchSize: opts.batchSize,
          onRequest: ({ queries, ms, status, aborted }) => { if (!ctx.json) process.stderr.write(aborted ? `${new Date().toISOString()} aborted by the client after ${ms} ms\n` : `${new Date().toISOString()} ${status} ${queries} queries ${ms} ms\n`); },
        });
        const warning = oneJudgeWarning(judge, report, 'gives the reward the trainer optimises');
        const mask = maskThresholdOf(judge);
        emit(ctx, { url: server.url, reward_url: `${server.url}/get_reward`, target: t.id, reward: opts.reward, select_judge: `${judge.id}@${judge.version}`, judge: `${report.id}@${report.version}`, mask, warnings: warning ? [warning] : [] }, () =>
          `reward server on ${server.url}/get_reward (target ${t.id}, ${opts.reward} reward from the select judge ${judge.id}@${judge.version}; held-out reward from ${report.id}@${report.version} in extra_logs.heldout_reward); GET ${server.url}/health; Ctrl-C stops${opts.reward === 'masked' && mask.note ? `\nnote: ${mask.note}` : ''}${warning ? `\nwarning: ${warning}` : ''}`);
        await new Promise<void>((done) => {
          const stop = (): void => { process.off('SIGINT', stop); process.off('SIGTERM', stop); void server.close().then(done); };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      }))),
    [
      'tenet align serve-reward --target ideal --reward l1 --select-judge local-fast --judge local --port 5000',
      'tenet align serve-reward --target gb.yaml --reward l1 --select-judge llm:openai-compatible:Qwen2.5-7B@http://localhost:8000/v1 --judge local',
      'curl -s localhost:5000/get_reward -d \'{"query": ["Q: hi A: hello"], "prompts": ["Q: hi A:"]}\'',
    ],
  );
}
