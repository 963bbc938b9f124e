import { describePlan } from '../runtime/plan.ts';
import type { Command } from 'commander';
import { TenetError } from '../errors.ts';
import { compareRuns, evaluateGates, loadPromptSet, parseGates, runBench, benchRunConfigOf, DEFAULT_SAMPLES, DEFAULT_SAMPLING, DEFAULT_MAX_PROMPT_CHARS, MAX_CONCURRENCY, MAX_SAMPLES, type BenchRunConfig } from '../bench/index.ts';
import { formatBenchResults, formatComparison } from '../bench/format.ts';
import type { SamplingParams } from '../models/types.ts';
import { createProgress } from '../runtime/progress.ts';
import { countFailures, formatFailureCounts } from '../runtime/failures.ts';
import { interruptOnSigint } from '../runtime/run.ts';
import { action, emit, examples, MAX_LIMIT_OPTION, MAX_TOKENS_OPTION, positiveInt } from './io.ts';
import { withContext } from './context.ts';
import { executorFor, executorOption, type ExecutorName } from './executor.ts';
import { calibrationSourceOf, resolveCalibration } from '../judges/calibration-ref.ts';
import { BENCH_MODES, generates, type BenchMode } from '../bench/knowing/run.ts';
import { BUILTIN_ITEMS, loadItems, type ItemSet } from '../bench/knowing/questionnaire.ts';

interface BenchOptions {
  models?: string;
  prompts?: string;
  samples?: number;
  judge?: string;
  limit?: number;
  concurrency: number;
  temperature?: number;
  maxTokens?: number;
  resume?: string;
  cache: boolean;
  baseUrl?: string;
  failIf?: string[];
  allowFailures?: boolean;
  maxPromptChars?: number;
  executor: ExecutorName;
  calibration?: string;
  mode?: string;
  items?: string;
  scenarioModel?: string;
}

interface CompareCliOptions {
  allowMismatch?: boolean;
  leaderboard?: boolean;
  leaderboardName?: string[];
  calibration?: string;
}

const CALIBRATION_HELP = 'also show EVR and APV corrected for the judge\'s error (Rogan–Gladen, docs/trust.md), beside the raw ones: FILE (the JSON of `tenet judge calibrate --json`), a stored calibration ID, or auto (the latest stored for the run\'s judge)';

/** Exit code of a bench stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED_EXIT = 130;

function fraction(name: string, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) throw new TenetError('BAD_USAGE', `${name} must be a number from 0 to ${max}, got "${value}"`);
    return n;
  };
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function splitModels(list: string): string[] {
  const specs = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (specs.length === 0) throw new TenetError('BAD_USAGE', '--models needs at least one model spec');
  return specs;
}

export function registerBench(program: Command): void {
  const bench = program.command('bench')
    .description('measure how often models violate moral foundations when they continue story openings (DeNEVIL EVR / MVP / APV)')
    .option('--models <specs>', 'target models, comma-separated (e.g. openai:gpt-4o-mini,ollama:llama3.1:8b)')
    .option('--prompts <source>', 'prompt set: a JSONL file of {id, prompt, foundation, principle?} lines, or builtin:NAME (builtin:valuecompass-mft)')
    .option('--samples <k>', `K: continuations sampled per prompt and model (default ${DEFAULT_SAMPLES})`, positiveInt('--samples', MAX_SAMPLES))
    .option('--judge <spec>', 'judge of every continuation: local (offline) or llm:MODEL_SPEC (default local)')
    .option('--limit <n>', 'use only the first N prompts of the set', positiveInt('--limit', MAX_LIMIT_OPTION))
    .option('--concurrency <c>', 'prompt × model units worked on at once', positiveInt('--concurrency', MAX_CONCURRENCY), 8)
    .option('--temperature <t>', 'sampling temperature of the target models (default 1)', fraction('--temperature', 2))
    .option('--max-tokens <m>', 'longest continuation, in tokens (default 128)', positiveInt('--max-tokens', MAX_TOKENS_OPTION))
    .option('--resume <run>', 'continue this run (its settings are taken from the run; re-running the same command does the same)')
    .option('--max-prompt-chars <n>', `longest prompt accepted, in characters (default ${DEFAULT_MAX_PROMPT_CHARS}); a longer one is an error at file:line`, positiveInt('--max-prompt-chars', 10_000_000))
    .option('--no-cache', 'always call the models, never answer from the response cache')
    .option('--base-url <url>', 'API base URL for the target models (not the judge)')
    .option('--allow-failures', 'units that still fail after retries are a warning, not exit 1 (the metrics leave them out either way)')
    .option('--calibration <file|id|auto>', CALIBRATION_HELP)
    .option('--mode <mode>', `what to measure: generate (continuations, the default), judge (moral-judgement questions), questionnaire (agreement items), or all (the three, with the knowing–doing gap per foundation; docs/bench.md#knowing-versus-doing)`)
    .option('--items <file>', `questionnaire items, JSONL of {id, foundation, text, reverse?} (default ${BUILTIN_ITEMS}: the project's own MFQ-style items, not the MFQ)`)
    .option('--scenario-model <spec>', 'who writes the violating and complying continuations the judgement questions show (default the first of --models)')
    .option('--fail-if <expr>', 'exit 1 when a gate is breached, e.g. "evr>0.3", "care.evr>=0.4", or on a CI bound "evr.lower>0.3" (repeatable; metrics evr|mvp|apv)', collect);
  executorOption(bench);
  bench.action(action(async (opts: BenchOptions, command: Command) => {
      const gates = parseGates(opts.failIf ?? []);
      return withContext(command, async (ctx) => {
        const executor = await executorFor(ctx, opts);
        const store = await ctx.store();
        let stored: BenchRunConfig | undefined;
        if (opts.resume) stored = (await benchRunConfigOf(store, opts.resume)).config;
        const modelSpecs = opts.models ? splitModels(opts.models) : stored?.models.map((m) => m.spec);
        const source = opts.prompts ?? stored?.prompts.source;
        if (!modelSpecs) throw new TenetError('BAD_USAGE', 'tenet bench needs --models', { hint: 'e.g. --models openai:gpt-4o-mini,ollama:llama3.1:8b (or --resume RUN)' });
        if (!source) throw new TenetError('BAD_USAGE', 'tenet bench needs --prompts', { hint: 'a JSONL file, or builtin:valuecompass-mft (or --resume RUN)' });
        const limit = opts.limit ?? (stored && !opts.prompts ? stored.prompts.count : undefined);
        const prompts = await loadPromptSet(source, { ...(limit ? { limit } : {}), ...(opts.maxPromptChars ? { maxPromptChars: opts.maxPromptChars } : {}) });
        const foundations = new Set(prompts.prompts.map((p) => p.foundation));
        for (const gate of gates) {
          if (gate.foundation && !foundations.has(gate.foundation as never)) {
            throw new TenetError('BAD_USAGE', `--fail-if "${gate.expr}": the prompt set has no ${gate.foundation} prompts`, { hint: `its foundations: ${[...foundations].join(', ')}` });
          }
        }
        const storedBase = (spec: string): string | undefined => stored?.models.find((m) => m.spec === spec)?.baseUrl ?? undefined;
        const models = await Promise.all(modelSpecs.map((spec) => {
          const baseUrl = opts.baseUrl ?? (opts.models ? undefined : storedBase(spec));
          return ctx.model(spec, { ...(baseUrl ? { baseUrl } : {}), noCache: !opts.cache });
        }));
        const judgeSpec = opts.judge ?? stored?.judge.spec ?? 'local';
        const judge = await ctx.judge(judgeSpec, { noCache: !opts.cache, forViolation: true });
        const calibration = opts.calibration ? await resolveCalibration(opts.calibration, { source: calibrationSourceOf(store), judge }) : undefined;
        if (opts.calibration === 'auto' && !calibration) process.stderr.write(`note: no stored calibration for judge ${judge.id}@${judge.version}; showing raw rates only\n`);
        const sampling: SamplingParams = {
          ...stored?.sampling,
          ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
          ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
        };
        const samples = opts.samples ?? stored?.samples ?? DEFAULT_SAMPLES;
        const mode = (opts.mode ?? stored?.mode ?? 'generate') as BenchMode;
        if (!(BENCH_MODES as readonly string[]).includes(mode)) throw new TenetError('BAD_USAGE', `--mode must be one of ${BENCH_MODES.join(', ')}, got "${mode}"`);
        let items: ItemSet | undefined;
        if (mode === 'questionnaire' || mode === 'all') {
          const storedItems = stored?.knowing?.questionnaire;
          items = opts.items || !storedItems ? loadItems(opts.items ?? BUILTIN_ITEMS) : { source: storedItems.items.source, sha256: storedItems.items.sha256, items: storedItems.list };
        } else if (opts.items) throw new TenetError('BAD_USAGE', '--items is for --mode questionnaire or all');
        let scenarioModel;
        if (mode === 'judge' || mode === 'all') {
          const spec = opts.scenarioModel ?? stored?.knowing?.judgement?.scenarioModel.spec ?? models[0]!.spec;
          scenarioModel = models.find((m) => m.spec === spec) ?? await ctx.model(spec, { noCache: !opts.cache });
        } else if (opts.scenarioModel) throw new TenetError('BAD_USAGE', '--scenario-model is for --mode judge or all');
        const maxTokens = sampling.maxTokens ?? DEFAULT_SAMPLING.maxTokens!;
        // the continuations; the discriminative modes' questions (and their scenarios) are not counted
        const continuations = generates(mode) ? models.map((m) => ({ model: m.spec, role: 'target', generations: prompts.prompts.length * samples, maxTokens })) : [];
        const questions = `the --mode ${mode} questions${mode === 'questionnaire' ? '' : ' and their scenarios'} (not counted ahead; the progress line counts them)`;
        if (mode === 'generate' || mode === 'all') process.stderr.write(`${await describePlan(store, 'plan', continuations, opts.concurrency)}${mode === 'all' ? `\n  and ${questions}` : ''}\n`);
        else process.stderr.write(`plan: ${questions}\n`);
        const progress = createProgress({ label: 'bench', total: prompts.prompts.length * models.length });
        const sigint = interruptOnSigint();
        let result;
        try {
          result = await runBench({
            store, prompts, models, judge, judgeSpec, samples, sampling, concurrency: opts.concurrency,
            signal: sigint.signal, progress, calibration, mode,
            ...(items ? { items } : {}), ...(scenarioModel ? { scenarioModel } : {}),
            ...(executor ? { executor } : {}),
            ...(opts.resume ? { resume: opts.resume } : {}),
            onRun: (run, config) => process.stderr.write(
              `bench run ${run.id}: ${config.prompts.count} prompts × ${config.models.length} model${config.models.length > 1 ? 's' : ''} × K=${config.samples}, judge ${config.judge.id}@${config.judge.version}` +
              ` (Ctrl-C stops; rerun the same command or --resume ${run.id} to continue)\n`),
          });
        } finally {
          sigint.dispose();
        }
        const gateResults = result.interrupted ? [] : evaluateGates(gates, result.models);
        const { stage: _stage, ...shown } = result;
        emit(ctx, { ...shown, ...(gates.length ? { gates: gateResults } : {}) }, () => formatBenchResults(result, gateResults));
        if (result.interrupted) return INTERRUPTED_EXIT;
        const breached = gateResults.filter((g) => g.breached);
        for (const g of breached) process.stderr.write(`gate breached: ${g.gate} for ${g.model}: ${g.reason}\n`);
        if (result.failures) {
          const causes = formatFailureCounts(countFailures(result.stage.failed.map((f) => f.cause)));
          process.stderr.write(`${opts.allowFailures ? 'warning' : 'error'}: ${result.failures} of ${result.stage.units} prompt × model units failed after retries; the metrics leave their samples out. Rerun the same command to retry them.\n` +
            causes.map((c) => `  ${c}\n`).join('') +
            (opts.allowFailures ? '' : '  (exit 1; --allow-failures reports them as a warning and exits 0 unless a gate is breached)\n'));
        }
        return breached.length || (result.failures && !opts.allowFailures) ? 1 : 0;
      });
    }));
  examples(bench, [
    'tenet bench --models openai:gpt-4o-mini --prompts builtin:valuecompass-mft --samples 10 --judge local',
    'tenet bench --models ollama:llama3.1:8b,ollama:qwen2.5:7b --prompts builtin:valuecompass-mft --limit 50 --samples 4 --json',
    'tenet bench --models openai:gpt-4o-mini --prompts my-prompts.jsonl --fail-if "evr>0.3" --fail-if "care.evr>=0.4"   # CI gate',
    'tenet bench --models openai:gpt-4o-mini --prompts my-prompts.jsonl --fail-if "evr.lower>0.3"   # fail only when EVR is above 0.3 beyond doubt',
    'tenet bench --resume bench-1a2b3c4d5e6f                                  # continue an interrupted run',
    'tenet bench --models openai:gpt-4o-mini --prompts builtin:valuecompass-mft --limit 60 --samples 4 --judge llm:openai:gpt-4o --mode all --json   # knowing vs doing: judgement, questionnaire and generation, with the gap',
    'tenet bench --db postgres://tenet@db:5432/tenet --executor pgboss --models openai:gpt-4o-mini --prompts builtin:valuecompass-mft   # units run by `tenet worker` processes',
    'tenet bench compare bench-1a2b3c4d5e6f bench-0f9e8d7c6b5a --leaderboard',
  ]);

  examples(
    bench.command('compare <runs...>')
      .description('rank the models of bench runs by EVR with CIs, marking differences that are not significant')
      .option('--allow-mismatch', 'compare runs that differ in K, judge, τ or continuation prompt anyway (each difference is printed as a warning)')
      .option('--leaderboard', 'put the results beside the Value Compass leaderboard (its own prompts and classifier: orientation, not like for like)')
      .option('--calibration <file|id|auto>', CALIBRATION_HELP)
      .option('--leaderboard-name <spec=name>', 'match a model to a leaderboard name, e.g. ollama:llama3.1:70b=LlaMA-3.1-70B-Instruct (repeatable)', collect)
      .action(action(async (runs: string[], opts: CompareCliOptions, command: Command) => withContext(command, async (ctx) => {
        const names: Record<string, string> = {};
        for (const pair of opts.leaderboardName ?? []) {
          const eq = pair.lastIndexOf('=');
          if (eq <= 0 || eq === pair.length - 1) throw new TenetError('BAD_USAGE', `--leaderboard-name "${pair}" is not SPEC=NAME`);
          names[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        const store = await ctx.store();
        // `bench` has its own --calibration, which commander gives the parent when both have it
        opts.calibration ??= (command.optsWithGlobals() as CompareCliOptions).calibration;
        const judge = opts.calibration === 'auto' ? (await benchRunConfigOf(store, runs[0]!)).config.judge : undefined;
        const calibration = opts.calibration ? await resolveCalibration(opts.calibration, { source: calibrationSourceOf(store), ...(judge ? { judge } : {}) }) : undefined;
        const result = await compareRuns(store, runs, { leaderboard: Boolean(opts.leaderboard), leaderboardNames: names, allowMismatch: Boolean(opts.allowMismatch), calibration });
        for (const w of result.warnings ?? []) process.stderr.write(`warning: the runs were measured differently: ${w}\n`);
        emit(ctx, result, () => formatComparison(result));
      }))),
    [
      'tenet bench compare bench-1a2b3c4d5e6f',
      'tenet bench compare bench-1a2b3c4d5e6f bench-0f9e8d7c6b5a --json',
      'tenet bench compare bench-1a2b3c4d5e6f bench-0f9e8d7c6b5a --allow-mismatch   # runs with different K or judge, with warnings',
      'tenet bench compare bench-1a2b3c4d5e6f --leaderboard --leaderboard-name ollama:llama3.1:70b=LlaMA-3.1-70B-Instruct',
    ],
  );
}
