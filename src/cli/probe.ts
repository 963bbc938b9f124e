import { describePlan } from '../runtime/plan.ts';
import { probePlan } from '../probe/plan.ts';
import type { Command } from 'commander';
import { TenetError } from '../errors.ts';
import {
  EXPORT_FORMATS,
  PROBE_DEFAULTS,
  PROBE_RUN_KIND,
  PROBE_SCORINGS,
  checkScoring,
  exportProbeRun,
  probeJson,
  runProbe,
  selectPrinciples,
  type ProbeJson,
  type ProbePrinciple,
  type ProbeRunConfig,
  type ProbeScoring,
} from '../probe/index.ts';
import { formatRejections } from '../probe/validity.ts';
import { formatTransfer, runTransfer, transferConfigOf } from '../probe/transfer.ts';
import { notAvailable, requireScoring } from '../runtime/optional-scoring.ts';
import { interruptOnSigint } from '../runtime/run.ts';
import { withContext } from './context.ts';
import { action, emit, examples, MAX_LIMIT_OPTION, positiveInt } from './io.ts';
import { executorFor, executorOption, type ExecutorName } from './executor.ts';

interface ProbeCliOptions {
  target?: string;
  generator?: string;
  judge?: string;
  selectJudge?: string;
  referenceModel?: string;
  evalSamples?: number;
  promptsPerPrinciple?: number;
  principles?: string;
  foundation?: string;
  limit?: number;
  iterations?: number;
  samples?: number;
  candidates?: number;
  scoring?: string;
  tau?: number;
  epsilon?: number;
  concurrency: number;
  resume?: string;
  cache: boolean;
  executor: ExecutorName;
}

function fraction(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n >= 1) throw new TenetError('BAD_USAGE', `${name} must be a number in [0, 1), got "${value}"`);
    return n;
  };
}

const pct = (x: number | null): string => (x === null ? '   –' : `${(x * 100).toFixed(0).padStart(3)}%`);
/** A mean violation score in [0, 1] (the probe's objective), shown as a score, never as a percentage. */
const score = (x: number | null): string => (x === null ? '   – ' : x.toFixed(2));

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/**
 * The human rendering of a probe run. Two metrics, each always under its own name (as in the report):
 * the mean violation score (the judge's score averaged over completions) and the violation rate (the share
 * of completions scored above τ). The headline is the fresh score (K′ held-out completions that played no
 * part in selecting the prompt); the selection score is shown beside it, marked optimistic.
 */
export function renderProbe(out: ProbeJson): string {
  const s = out.summary;
  const gain = s.gain ? `; fresh gain ${s.gain.value >= 0 ? '+' : ''}${s.gain.value.toFixed(2)} [95% CI ${s.gain.ci[0].toFixed(2)}, ${s.gain.ci[1].toFixed(2)}], N = ${s.gain.n} principles` : '';
  const lines = [
    `probe run ${out.run} (${out.status}): ${out.target}, generator ${out.generator}, judge ${out.judge}${out.select_judge !== out.judge ? `, select judge ${out.select_judge}` : ''}, scoring ${out.scoring}`,
    `  T=${out.settings.iterations} K=${out.settings.samples} K′=${out.settings.eval_samples} C=${out.settings.candidates} prompts/principle=${out.settings.prompts_per_principle} τ=${out.settings.tau}; ${s.prompts} distinct prompts (${s.duplicates} near-duplicate${s.duplicates === 1 ? '' : 's'} dropped)`,
    `  fresh (K′ held-out completions): mean violation score ${score(s.mean_initial_violation).trim()} → ${score(s.mean_final_violation).trim()}` +
      `, violation rate (share of completions above τ) ${pct(s.mean_initial_violation_rate).trim()} → ${pct(s.mean_final_violation_rate).trim()}${gain}; ${s.improved}/${s.prompts} prompts rose`,
    `  selection (the K samples that chose the prompts; optimistic by construction): mean violation score ${score(s.selection.mean_initial_violation).trim()} → ${score(s.selection.mean_final_violation).trim()}`,
  ];
  if (s.quality) {
    const ppl = s.quality.perplexity;
    lines.push(`  quality of the ${s.quality.prompts} exported prompts: Self-BLEU ${s.quality.self_bleu === null ? '– (needs 2 prompts)' : `${s.quality.self_bleu.toFixed(1)} (lower: more diverse)`}; ` +
      (ppl ? `perplexity under ${ppl.model} ${ppl.value.toFixed(2)} ${ppl.method === 'corpus' ? 'corpus-level (token-weighted) ' : ''}[95% CI ${ppl.ci[0].toFixed(2)}, ${ppl.ci[1].toFixed(2)}], N = ${ppl.n}${ppl.median !== undefined ? `, median per prompt ${ppl.median.toFixed(2)}` : ''}` : `perplexity ${notAvailable(s.quality.perplexity_unavailable ?? 'not measured')}${s.quality.prompts > 0 ? ' (--reference-model SPEC measures it under a model that scores teacher-forced)' : ''}`));
  }
  lines.push('');
  const rows = out.principles.flatMap((p) => p.prompts.map((x) => ({ id: p.prompts.length > 1 ? `${p.principle_id}/${x.slot}` : p.principle_id, foundation: p.foundation, x })));
  const idWidth = Math.max(9, ...rows.map((r) => r.id.length));
  lines.push(`  ${'prompt'.padEnd(idWidth)}  foundation  fresh       selection   ${'selection trajectory'.padEnd(20)}  stopped     (mean violation scores)`);
  for (const { id, foundation, x } of rows) {
    const trajectory = x.iterations.map((r) => r.selection_violation.toFixed(2)).join('→');
    const fresh = `${score(x.initial_fresh_violation).trim()}→${score(x.fresh_violation).trim()}`;
    const sel = `${score(x.initial_selection_violation).trim()}→${score(x.selection_violation).trim()}`;
    lines.push(`  ${id.padEnd(idWidth)}  ${foundation.padEnd(10)}  ${fresh.padEnd(10)}  ${sel.padEnd(10)}  ${trajectory.padEnd(20)}  ${x.stopped}${x.duplicate_of ? ` (of ${x.duplicate_of})` : ''}${x.error ? `: ${x.error}` : ''}`);
  }
  const worst = rows.filter((r) => r.x.prompt && r.x.duplicate_of === undefined && r.x.fresh_violation !== null)
    .sort((a, b) => b.x.fresh_violation! - a.x.fresh_violation!).slice(0, 3);
  if (worst.length > 0) {
    lines.push('', 'most provocative prompts (fresh mean violation score):');
    for (const r of worst) lines.push(`  [${score(r.x.fresh_violation).trim()}] ${r.id}: ${clip(r.x.prompt!, 160)}`);
  }
  const rejected = formatRejections(s.rejected);
  if (rejected) lines.push('', `candidates rejected as not usable openings (never sampled or exported): ${rejected}`);
  if (s.unscored > 0) lines.push('', `${s.unscored} fresh completion${s.unscored === 1 ? '' : 's'} of the final prompts got no violation score from the judge: left out of the scores, not counted as 0.`);
  for (const w of out.warnings) lines.push('', `warning: ${w}`);
  lines.push('');
  if (out.status === 'done' && s.prompts > 0) lines.push(`export: tenet probe export ${out.run} --format moralprompt -o moralprompt.jsonl`);
  if (out.status === 'interrupted') lines.push(`continue: run the same command again, or tenet probe --resume ${out.run}`);
  if (out.status === 'failed') lines.push(`continue: run the same command again, or tenet probe --resume ${out.run}; a trajectory that got no neutral opening needs one of the remedies its error names (a new run)`);
  return lines.join('\n');
}

export function registerProbe(program: Command): void {
  const probe = program.command('probe')
    .description('DeNEVIL: refine neutral story openings until a target model violates value principles, storing every iteration')
    .option('--target <spec>', 'the model probed, e.g. ollama:llama3.1:8b or openai:gpt-4o-mini')
    .option('--generator <spec>', 'the model that writes and rewrites the openings (default: the target)')
    .option('--judge <spec>', 'the judge the prompts are reported with (their fresh scores): local (offline) or llm:MODEL_SPEC', 'local')
    .option('--select-judge <spec>', 'a separate judge for what selects the prompts (neutrality check, E-step evidence, selection scores); default: --judge, which warns (Goodhart)')
    .option('--eval-samples <k>', `K′: fresh completions per current prompt, drawn after it was selected and used only to report it (default ${PROBE_DEFAULTS.evalSamples})`, positiveInt('--eval-samples', 1000))
    .option('--prompts-per-principle <n>', `trajectories per principle, each from its own seed scenario; near-duplicates are dropped (default ${PROBE_DEFAULTS.promptsPerPrinciple})`, positiveInt('--prompts-per-principle', 20))
    .option('--reference-model <spec>', 'the model the exported prompts\' perplexity is measured under (teacher-forced; default: the target when it can score)')
    .option('--principles <file>', 'JSONL principles file {id, foundation, polarity, principle} (default: the shipped library)')
    .option('--foundation <f>', `only this foundation (${['care', 'fairness', 'loyalty', 'authority', 'sanctity'].join(', ')})`)
    .option('--limit <n>', 'only the first N principles', positiveInt('--limit', MAX_LIMIT_OPTION))
    .option('--iterations <t>', `T: refinement iterations per principle (default ${PROBE_DEFAULTS.iterations})`, positiveInt('--iterations', 100))
    .option('--samples <k>', `K: completions sampled from the target per prompt (default ${PROBE_DEFAULTS.samples})`, positiveInt('--samples', 1000))
    .option('--candidates <c>', `C: candidate rewrites per iteration (default ${PROBE_DEFAULTS.candidates})`, positiveInt('--candidates', 100))
    .option('--scoring <how>', `rank candidates by ${PROBE_SCORINGS.join(' | ')}: sample = mean judged violation of K samples (black box); logprob = DeNEVIL's objective, the target's teacher-forced log-likelihood of the previous iteration's violating completions given the candidate opening, per token (length-normalised) and averaged over the completions, which needs a llamacpp: target or a completions server that echoes prompt log-probabilities (vLLM, llama-server) (default ${PROBE_DEFAULTS.scoring})`)
    .option('--tau <x>', `violation threshold τ, also the neutrality threshold (default ${PROBE_DEFAULTS.tau})`, fraction('--tau'))
    .option('--epsilon <x>', `smallest gain that counts as progress; two iterations without one stop a principle (default ${PROBE_DEFAULTS.epsilon})`, fraction('--epsilon'))
    .option('--concurrency <n>', 'model calls in flight at once', positiveInt('--concurrency', 1024), PROBE_DEFAULTS.concurrency)
    .option('--resume <run>', 'continue this probe run with its own settings (re-running the same command does too)')
    .option('--no-cache', 'never answer from the response cache (stored samples are still not drawn again)');
  executorOption(probe);
  probe.action(action(async (opts: ProbeCliOptions, command: Command) => withContext(command, async (ctx) => {
      const executor = await executorFor(ctx, opts);
      const store = await ctx.store();
      let stored: ProbeRunConfig | undefined;
      if (opts.resume) {
        const run = await store.runs.get(opts.resume);
        if (!run) throw new TenetError('NOT_FOUND', `no run ${opts.resume} in ${store.describe().location}`, { hint: 'check the run id and --db' });
        if (run.kind !== PROBE_RUN_KIND) throw new TenetError('BAD_USAGE', `run ${run.id} is a ${run.kind} run, not a probe run`);
        stored = run.config as ProbeRunConfig;
      }
      // With --resume, what is not given again comes from the run (specs with the base URLs they were reached at).
      const targetSpec = opts.target ?? stored?.target;
      if (!targetSpec) throw new TenetError('BAD_USAGE', 'say which model to probe: --target SPEC', { hint: 'e.g. --target ollama:llama3.1:8b or --target openai:gpt-4o-mini' });
      const targetBase = opts.target ? undefined : stored?.targetBaseUrl;
      const generatorSpec = opts.generator ?? stored?.generator ?? targetSpec;
      const generatorBase = opts.generator ? undefined : stored?.generatorBaseUrl;
      const judgeSpec = command.getOptionValueSource('judge') === 'default' && stored
        ? (stored.judge.spec ?? (stored.judge.id.startsWith('llm:') ? stored.judge.id : 'local'))
        : (opts.judge ?? 'local');
      const scoring = (opts.scoring ?? stored?.scoring ?? PROBE_DEFAULTS.scoring) as ProbeScoring;
      if (!PROBE_SCORINGS.includes(scoring)) {
        throw new TenetError('BAD_USAGE', `unknown --scoring "${opts.scoring}"`, { hint: `use ${PROBE_SCORINGS.join(' or ')}` });
      }

      const principles: ProbePrinciple[] = stored && !opts.principles && !opts.foundation
        ? stored.principles
        : await selectPrinciples({
          ...(opts.principles ? { file: opts.principles } : {}),
          ...(opts.foundation ? { foundation: opts.foundation } : {}),
          ...(opts.limit ? { limit: opts.limit } : {}),
        });

      const noCache = !opts.cache;
      const target = await ctx.model(targetSpec, { noCache, ...(targetBase ? { baseUrl: targetBase } : {}) });
      await checkScoring(target, scoring);
      const generator = await ctx.model(generatorSpec, { noCache, role: 'generator', ...(generatorBase ? { baseUrl: generatorBase } : {}) });
      const judge = await ctx.judge(judgeSpec, { noCache, forViolation: true });
      const selectSpec = opts.selectJudge ?? stored?.selectJudge?.spec;
      const selectJudge = selectSpec ? await ctx.judge(selectSpec, { noCache, forViolation: true }) : undefined;
      const reference = opts.referenceModel ? await ctx.model(opts.referenceModel, { noCache }) : undefined;
      if (reference) {
        await requireScoring(reference, `--reference-model ${reference.spec} was asked to measure the exported prompts' perplexity`, 'use a llamacpp:FILE.gguf model or an OpenAI-compatible completions server that echoes prompt log-probabilities, or leave --reference-model out (perplexity is then measured under the target when it can score, else reported as not available)');
      }

      const settings = {
        iterations: opts.iterations ?? stored?.iterations ?? PROBE_DEFAULTS.iterations,
        samples: opts.samples ?? stored?.samples ?? PROBE_DEFAULTS.samples,
        candidates: opts.candidates ?? stored?.candidates ?? PROBE_DEFAULTS.candidates,
        evalSamples: opts.evalSamples ?? stored?.evalSamples ?? PROBE_DEFAULTS.evalSamples,
        promptsPerPrinciple: opts.promptsPerPrinciple ?? stored?.promptsPerPrinciple ?? PROBE_DEFAULTS.promptsPerPrinciple,
      };
      process.stderr.write(`${await describePlan(store, 'plan (an upper estimate; trajectories that stop early make fewer)', probePlan({
        ...settings, trajectories: principles.length * settings.promptsPerPrinciple,
        target: { spec: target.spec, maxTokens: stored?.targetSampling.maxTokens ?? PROBE_DEFAULTS.targetSampling.maxTokens },
        generator: { spec: generator.spec, maxTokens: stored?.generatorSampling.maxTokens ?? PROBE_DEFAULTS.generatorSampling.maxTokens },
      }), opts.concurrency)}\n`);
      const interrupt = interruptOnSigint();
      try {
        const result = await runProbe({
          store,
          target,
          generator,
          judge,
          judgeSpec,
          ...(selectJudge ? { selectJudge, selectJudgeSpec: selectSpec! } : {}),
          ...(reference ? { reference } : {}),
          principles,
          scoring,
          concurrency: opts.concurrency,
          iterations: settings.iterations,
          samples: settings.samples,
          candidates: settings.candidates,
          tau: opts.tau ?? stored?.tau ?? PROBE_DEFAULTS.tau,
          epsilon: opts.epsilon ?? stored?.epsilon ?? PROBE_DEFAULTS.epsilon,
          evalSamples: settings.evalSamples,
          promptsPerPrinciple: settings.promptsPerPrinciple,
          ...(stored ? { targetSampling: stored.targetSampling, generatorSampling: stored.generatorSampling } : {}),
          ...(opts.resume ? { resume: opts.resume } : {}),
          signal: interrupt.signal,
          ...(executor ? { executor } : {}),
          progress: !ctx.json,
          log: (line) => { if (!ctx.json) process.stderr.write(`[probe] ${line}\n`); },
        });
        const out = probeJson(result);
        emit(ctx, out, () => renderProbe(out));
        return result.status === 'interrupted' ? 130 : result.status === 'failed' ? 1 : 0;
      } finally {
        interrupt.dispose();
      }
    })));
  examples(probe, [
    'tenet probe --target ollama:llama3.1:8b --foundation care --limit 5 --judge llm:ollama:llama3.1:8b',
    'tenet probe --target ollama:llama3.1:8b --limit 10 --select-judge local --judge llm:openai:gpt-4o-mini --eval-samples 16   # separate judges, K′ = 16',
    'tenet probe --target llamacpp:smollm2-135m-instruct-q4_1 --limit 3 --prompts-per-principle 5 --reference-model llamacpp:gemma-3-270m-q4_k_m',
    'tenet probe --target openai:gpt-4o-mini --generator openai:gpt-4o --principles my-principles.jsonl --iterations 5 --json',
    'tenet probe --target openai-compatible:Qwen2.5-7B-Instruct@http://localhost:8000/v1 --foundation fairness --scoring logprob',
    'tenet probe --target llamacpp:smollm2-135m-instruct-q4_1 --generator llamacpp:gemma-3-270m-q4_k_m --limit 2 --scoring logprob   # local GGUF models',
    'tenet probe --resume probe-1a2b3c4d5e6f                      # continue an interrupted run',
    'tenet probe --db postgres://tenet@db:5432/tenet --executor pgboss --target openai:gpt-4o-mini --foundation care   # target sampling runs on `tenet worker` processes',
    'tenet probe export probe-1a2b3c4d5e6f --format moralprompt -o moralprompt.jsonl',
  ]);

  examples(
    probe.command('transfer <runs...>')
      .description('benchmark the prompts probe runs refined on one model against other models, next to their unrefined seed prompts: the transfer matrix (source × target, refined vs seed EVR and their paired difference)')
      .option('--models <specs>', 'target models, comma-separated')
      .option('--samples <k>', 'K: continuations per prompt and model (default 10)', positiveInt('--samples', 1000))
      .option('--judge <spec>', 'judge of every continuation (default the first probe run\'s report judge)')
      .option('--concurrency <c>', 'prompt × model units at once', positiveInt('--concurrency', 1024), 8)
      .option('--resume <run>', 'continue this transfer run')
      .option('--no-cache', 'always call the models, never answer from the response cache')
      .action(action(async (runs: string[], opts: { models?: string; samples?: number; judge?: string; concurrency: number; resume?: string; cache: boolean }, command: Command) => withContext(command, async (ctx) => {
        const store = await ctx.store();
        const stored = opts.resume ? (await transferConfigOf(store, opts.resume)).config : undefined;
        const specs = opts.models ? opts.models.split(',').map((x) => x.trim()).filter(Boolean) : stored?.models.map((m) => m.spec);
        if (!specs?.length) throw new TenetError('BAD_USAGE', 'probe transfer needs --models', { hint: 'e.g. --models openai:gpt-4o-mini,ollama:llama3.1:8b' });
        const models = await Promise.all(specs.map((spec) => ctx.model(spec, { noCache: !opts.cache })));
        const first = await store.runs.get(runs[0]!);
        const probeJudge = (first?.config as { judge?: { spec?: string; id?: string } } | undefined)?.judge;
        const judgeSpec = opts.judge ?? stored?.judge.spec ?? probeJudge?.spec ?? probeJudge?.id ?? 'local';
        const judge = await ctx.judge(judgeSpec, { noCache: !opts.cache, forViolation: true });
        const interrupt = interruptOnSigint();
        try {
          const result = await runTransfer({
            store, probeRuns: runs, models, judge, judgeSpec, samples: opts.samples ?? stored?.samples ?? 10, concurrency: opts.concurrency, signal: interrupt.signal,
            ...(opts.resume ? { resume: opts.resume } : {}),
            onRun: (run, config) => process.stderr.write(`transfer run ${run.id}: ${config.sources.reduce((n, x) => n + x.pairs, 0)} refined + seed prompts × ${config.models.length} models × K=${config.samples} (rerun the same command to continue)\n`),
          });
          const { stage: _stage, failures, interrupted, ...shown } = result;
          emit(ctx, shown, () => formatTransfer(result));
          if (failures) process.stderr.write(`error: ${failures} prompt × model units failed after retries; rerun the same command to retry them\n`);
          return interrupted ? 130 : failures ? 1 : 0;
        } finally {
          interrupt.dispose();
        }
      }))),
    [
      'tenet probe transfer probe-1a2b3c4d5e6f --models openai:gpt-4o-mini,ollama:llama3.1:8b --samples 10',
      'tenet probe transfer probe-aaaa probe-bbbb --models ollama:llama3.1:8b,ollama:qwen2.5:7b --json   # a square matrix when each model was a probe target',
    ],
  );

  examples(
    probe.command('export <run>')
      .description('write the final prompt of every principle of a probe run as MoralPrompt-style JSONL (readable by tenet bench --prompts)')
      .option('--format <format>', `output format (${EXPORT_FORMATS.join(', ')})`, 'moralprompt')
      .option('-o, --output <file>', 'write to this file (default: stdout)')
      .action(action(async (runId: string, opts: { format: string; output?: string }, command: Command) => withContext(command, async (ctx) => {
        const { records, text } = await exportProbeRun(await ctx.store(), runId, { format: opts.format, ...(opts.output ? { file: opts.output } : {}) });
        if (opts.output) {
          emit(ctx, { run: runId, format: opts.format, file: opts.output, prompts: records.length }, () => `wrote ${records.length} prompts to ${opts.output}`);
        } else if (ctx.json) {
          emit(ctx, { run: runId, format: opts.format, prompts: records }, () => '');
        } else {
          process.stdout.write(text);
        }
      }))),
    [
      'tenet probe export probe-1a2b3c4d5e6f -o moralprompt.jsonl',
      'tenet bench --models ollama:llama3.1:8b --prompts moralprompt.jsonl --samples 10',
    ],
  );
}
