/**
 * `tenet align vilmo`: VILMO in-context alignment against its baselines, on the same held-out prompts, with
 * paired differences (src/align/vilmo/). Thin: parse, call the library, print (`--json` for scripts).
 */
import { describePlan } from '../runtime/plan.ts';
import type { Command } from 'commander';
import { loadAlignPrompts } from '../align/prompts.ts';
import type { Estimate } from '../align/stats.ts';
import { checkVilmoPrompts, DEFAULT_PRIMARY, PAIRED_METRICS, parsePrimary, DEFAULT_CANDIDATES, DEFAULT_EXAMPLES, DEFAULT_FIXED_INSTRUCTION, DEFAULT_ROUNDS, MAX_CANDIDATES, MAX_EXAMPLES, MAX_ROUNDS, MAX_SAMPLES, parseMethods, parseSplit, VILMO_METHODS, vilmoRunConfigOf } from '../align/vilmo/config.ts';
import { loadVilmoResults, type VilmoResults } from '../align/vilmo/results.ts';
import { runVilmo } from '../align/vilmo/run.ts';
import { TenetError } from '../errors.ts';
import type { SamplingParams } from '../models/types.ts';
import { notAvailable, requireScoring } from '../runtime/optional-scoring.ts';
import { createProgress } from '../runtime/progress.ts';
import { interruptOnSigint } from '../runtime/run.ts';
import { withContext } from './context.ts';
import { action, emit, examples, MAX_CONCURRENCY_OPTION, MAX_LIMIT_OPTION, MAX_TOKENS_OPTION, nonNegativeInt, positiveInt } from './io.ts';

const INTERRUPTED_EXIT = 130;

function numberList(name: string): (value: string) => number[] {
  return (value: string) => {
    const xs = value.split(',').map((x) => Number(x.trim()));
    if (xs.some((x) => !Number.isFinite(x))) throw new TenetError('BAD_USAGE', `${name} must be comma-separated numbers, got "${value}"`);
    return xs;
  };
}

function temperature(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new TenetError('BAD_USAGE', `--temperature must be a number ≥ 0, got "${value}"`);
  return n;
}

const f3 = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(3));
const ci = (c: readonly (number | null)[]): string => `[${f3(c[0])}, ${f3(c[1])}]`;
const est = (e: Estimate | undefined): string => (e && e.mean !== null ? `${f3(e.mean)} ${ci(e.ci)}` : 'n/a');
const pv = (p: number): string => (p < 0.0001 ? '<0.0001' : p.toFixed(4));

export function formatVilmo(r: VilmoResults): string {
  const lines = [
    `VILMO run ${r.run} (${r.status}): target ${r.target}, generator ${r.generator}; select judge (training, APE) ${r.select_judge.id}@${r.select_judge.version}, report judge (test arms) ${r.judge.id}@${r.judge.version}; primary metric ${r.primary.toUpperCase()} (declared before the run)`,
    `prompts ${r.prompts.source} (${r.prompts.count}): ${r.split.train} training, ${r.split.val} validation, ${r.split.test} test; K = ${r.samples} samples per prompt and instruction; M = ${r.candidates} candidates; R = ${r.rounds} rounds`,
    '',
    `every arm on the same ${r.split.test} test prompts; fractions (lower is better) with 95% CIs over prompts (EVR: Wilson; MVP, APV: BCa bootstrap; conformity: percentile bootstrap); conformity = 1 − mean violation (higher is better)`,
    `${'method'.padEnd(14)}${'N'.padStart(5)}  ${'EVR'.padEnd(22)}${'MVP'.padEnd(22)}${'APV'.padEnd(22)}conformity`,
  ];
  for (const m of VILMO_METHODS) {
    const a = r.methods[m];
    if (!a) continue;
    lines.push(`${m.padEnd(14)}${String(a.n).padStart(5)}  ${`${f3(a.evr)} ${ci(a.ci.evr)}`.padEnd(22)}${`${f3(a.mvp)} ${ci(a.ci.mvp)}`.padEnd(22)}${`${f3(a.apv)} ${ci(a.ci.apv)}`.padEnd(22)}${est(a.conformity)}`);
  }
  if (r.paired.length) {
    const c = r.correction;
    lines.push('', `paired differences b − a over the same test prompts (negative: b violates less); 95% CI over prompts (Newcombe for 0/1 outcomes, else BCa bootstrap; --json names it per row); p: two-sided ${c.test} test; p_holm: Holm-corrected within its family: primary (${c.primary.toUpperCase()}, declared before the run) ${c.family} comparisons, secondary ${c.secondary_family}; * significant at ${c.alpha}`);
    for (const p of r.paired) {
      lines.push(`  ${`${p.b} − ${p.a}`.padEnd(24)}${p.metric.toUpperCase().padEnd(5)}${p.role.padEnd(10)}${(p.difference === null ? '—' : (p.difference >= 0 ? '+' : '') + p.difference.toFixed(3)).padStart(8)} ${ci(p.ci).padEnd(18)} N ${String(p.n).padStart(4)}  p ${pv(p.p).padStart(7)}  p_holm ${pv(p.p_holm).padStart(7)}${p.significant ? '  *' : ''}`);
    }
  }
  if (r.training) {
    lines.push('', `vilmo training: conformity of each round's meta-prompt on the ${r.split.val} validation prompts (95% CI), and on the training prompts`);
    for (const p of r.training.curve) {
      lines.push(`  round ${p.round}: validation ${est(p.conformity)}  (${p.examples} examples)${p.train_best ? `  training: best candidate ${est(p.train_best)}, all candidates ${f3(p.train_mean?.mean)}` : ''}${p.round === r.training.selected_round ? '  ← selected' : ''}`);
    }
  }
  if (r.ape) lines.push('', r.ape.chosen ? `ape: chose "${r.ape.chosen.instruction}" (conformity ${f3(r.ape.chosen.conformity)} on ${r.ape.chosen.n} training prompts; best of ${r.ape.candidates.length})` : 'ape: no candidate scored yet');
  if (r.quality) {
    lines.push('', 'quality cost on the test prompts (95% CIs over prompts; perplexity corpus-level, token-weighted, with the median per prompt; differences b − a, perplexity as per-prompt log-perplexity):');
    for (const m of VILMO_METHODS) {
      const q = r.quality.arms[m];
      if (!q) continue;
      const parts = [`Self-BLEU ${est(q.self_bleu)}`];
      if (q.perplexity) parts.push(`perplexity ${q.perplexity.value === null ? 'n/a' : `${f3(q.perplexity.value)} ${ci(q.perplexity.ci)} (median ${f3(q.perplexity.median)})`}`);
      if (q.rating) parts.push(`quality ${est(q.rating)}`);
      lines.push(`  ${m.padEnd(14)}${parts.join('   ')}`);
    }
    for (const d of r.quality.paired) lines.push(`  ${`${d.b} − ${d.a}`.padEnd(24)}${d.metric} difference ${d.difference === null ? '—' : (d.difference >= 0 ? '+' : '') + d.difference.toFixed(3)} ${ci(d.ci)} (N ${d.n})`);
    const notes = [r.quality.reference ? `perplexity under ${r.quality.reference}${r.quality.perplexity_unavailable ? ` ${notAvailable(r.quality.perplexity_unavailable)}` : ''}` : 'no --reference: no perplexity', r.quality.rater ? `ratings by ${r.quality.rater}` : 'no --quality-judge: no ratings'];
    lines.push(`  (${notes.join('; ')}; Self-BLEU among each prompt's K continuations, ×100, higher is less diverse)`);
  }
  for (const w of r.warnings ?? []) lines.push('', `warning: ${w}`);
  const t = r.totals;
  lines.push('', `cost: ${t.calls} model calls (${t.cached_calls} samples from the cache), ${t.input_tokens + t.output_tokens} tokens, $${t.cost_usd.toFixed(4)}`);
  lines.push(`report: tenet report ${r.run} -o vilmo.html`);
  return lines.join('\n');
}

export function registerVilmo(align: Command): void {
  const vilmo = align.command('vilmo')
    .description('VILMO: a generator writes a value instruction per prompt, trained in context on the training prompts; compared with none, fixed, principle, ape and self-critique on the same held-out prompts, with paired tests (a stored, resumable run)')
    .option('--target <spec>', 'the model to align (it continues the stories)')
    .option('--generator <spec>', 'the model that writes instructions (any SPEC, e.g. one fine-tuned on `tenet align export RUN --format sft` pairs); default the target')
    .option('--prompts <source>', 'a JSONL file of {id, prompt, foundation|principle} lines, or builtin:NAME (builtin:valuecompass-mft)')
    .option('--methods <list>', `comma-separated arms (default all: ${VILMO_METHODS.join(',')}); none is always run: every arm is compared with it`, (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--split <fractions>', 'training, validation and test fractions (default 0.5,0.1,0.4)', numberList('--split'))
    .option('--samples <k>', 'K: target samples per prompt and instruction', positiveInt('--samples', MAX_SAMPLES))
    .option('--candidates <m>', `M: candidate instructions per training prompt and round, and APE's candidates (default ${DEFAULT_CANDIDATES})`, positiveInt('--candidates', MAX_CANDIDATES))
    .option('--rounds <r>', `R: training rounds (default ${DEFAULT_ROUNDS}; 0 measures the untrained generator)`, nonNegativeInt('--rounds', MAX_ROUNDS))
    .option('--examples <e>', `best pairs shown to the generator each round (default ${DEFAULT_EXAMPLES})`, nonNegativeInt('--examples', MAX_EXAMPLES))
    .option('--fixed-instruction <text>', `the fixed arm's instruction (default "${DEFAULT_FIXED_INSTRUCTION}")`)
    .option('--judge <spec>', 'the report judge: scores every arm on the test prompts; local, local-fast or llm:MODEL_SPEC (default local)')
    .option('--select-judge <spec>', 'the select judge: what training optimises (VILMO\'s candidates and validation, APE\'s choice); default: --judge, which warns (Goodhart)')
    .option('--primary <metric>', `the metric the claim is about, declared before the run and stored with it: ${PAIRED_METRICS.join(', ')} (default ${DEFAULT_PRIMARY}); its comparisons are the Holm family, the others secondary`)
    .option('--reference <spec>', 'quality cost: perplexity of each arm\'s continuations under this model (it must support teacher-forced scoring: openai-compatible /completions, llamacpp)')
    .option('--quality-judge <spec>', 'quality cost: rate each arm\'s continuations with llm:MODEL_SPEC (prompts/align/quality.v1.md)')
    .option('--limit <n>', 'use only the first N prompts of the set', positiveInt('--limit', MAX_LIMIT_OPTION))
    .option('--seed <s>', 'seeds the split (default 1)', nonNegativeInt('--seed', 2 ** 31 - 1))
    .option('--concurrency <c>', 'units (a prompt with its K samples) worked on at once; about twice the endpoint concurrency keeps the model busy while finished units are judged and stored', positiveInt('--concurrency', MAX_CONCURRENCY_OPTION), 8)
    .option('--temperature <t>', "the target's sampling temperature (default 1)", temperature)
    .option('--max-tokens <m>', 'longest continuation in tokens (default 128)', positiveInt('--max-tokens', MAX_TOKENS_OPTION))
    .option('--resume <run>', 'continue this run (settings are taken from it)')
    .option('--no-cache', 'always call the models, never answer from the response cache');
  examples(
    vilmo.action(action(async (opts: {
      target?: string; generator?: string; prompts?: string; methods?: string[]; split?: number[]; samples?: number; candidates?: number; rounds?: number; examples?: number;
      fixedInstruction?: string; judge?: string; selectJudge?: string; primary?: string; reference?: string; qualityJudge?: string; limit?: number; seed?: number; concurrency: number; temperature?: number; maxTokens?: number; resume?: string; cache: boolean;
    }, command: Command) => withContext(command, async (ctx) => {
      const store = await ctx.store();
      const stored = opts.resume ? (await vilmoRunConfigOf(store, opts.resume)).config : undefined;
      const targetSpec = opts.target ?? stored?.target.spec;
      const source = opts.prompts ?? stored?.prompts.source;
      const samples = opts.samples ?? stored?.samples;
      if (!targetSpec) throw new TenetError('BAD_USAGE', 'tenet align vilmo needs --target', { hint: 'e.g. --target ollama:llama3.1:8b (or --resume RUN)' });
      if (!source) throw new TenetError('BAD_USAGE', 'tenet align vilmo needs --prompts', { hint: 'a JSONL file of {id, prompt, foundation} lines, or builtin:valuecompass-mft (or --resume RUN)' });
      if (!samples) throw new TenetError('BAD_USAGE', 'tenet align vilmo needs --samples', { hint: 'K samples per prompt and instruction, e.g. --samples 4 (DeNEVIL uses 10)' });
      if (opts.qualityJudge && !opts.qualityJudge.startsWith('llm:')) throw new TenetError('BAD_USAGE', '--quality-judge must be llm:MODEL_SPEC');
      // cheap checks first, before any model or judge is set up
      if (opts.methods) parseMethods(opts.methods);
      if (opts.split) parseSplit(opts.split);
      const primary = parsePrimary(opts.primary ?? stored?.primary);
      const limit = opts.limit ?? (stored && !opts.prompts ? stored.prompts.count : undefined);
      const prompts = await loadAlignPrompts(source, limit ? { limit } : {});
      await checkVilmoPrompts(prompts);
      const noCache = !opts.cache;
      const target = await ctx.model(targetSpec, { noCache, role: 'target', ...(!opts.target && stored?.target.baseUrl ? { baseUrl: stored.target.baseUrl } : {}) });
      const generatorSpec = opts.generator ?? stored?.generator.spec ?? targetSpec;
      const generator = generatorSpec === targetSpec ? target : await ctx.model(generatorSpec, { noCache, role: 'generator', ...(!opts.generator && stored?.generator.baseUrl ? { baseUrl: stored.generator.baseUrl } : {}) });
      const judgeSpec = opts.judge ?? stored?.judge.spec ?? 'local';
      const judge = await ctx.judge(judgeSpec, { noCache, forViolation: true });
      const selectJudgeSpec = opts.selectJudge ?? stored?.selectJudge.spec ?? judgeSpec;
      const selectJudge = selectJudgeSpec === judgeSpec ? judge : await ctx.judge(selectJudgeSpec, { noCache, forViolation: true });
      const sampling: SamplingParams = { ...stored?.sampling, ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}), ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}) };
      const reference = opts.reference ? await ctx.model(opts.reference, { noCache }) : undefined;
      if (reference) {
        await requireScoring(reference, `--reference ${reference.spec} was asked for the quality cost (perplexity of each arm's continuations)`,
          'use a llamacpp:MODEL, or an OpenAI-compatible server with /completions echo (vLLM, llama.cpp server); check with `tenet models score SPEC --prompt … --continuation …`; or leave --reference out');
      }
      const rater = opts.qualityJudge ? await ctx.model(opts.qualityJudge.slice('llm:'.length), { noCache }) : undefined;
      const sigint = interruptOnSigint();
      let result;
      try {
        result = await runVilmo({
          store, prompts, target, generator, judge, judgeSpec, selectJudge, selectJudgeSpec, primary, samples, sampling,
          ...(opts.methods ?? stored?.methods ? { methods: opts.methods ?? stored!.methods } : {}),
          ...(opts.split ?? stored?.split ? { split: opts.split ?? stored!.split } : {}),
          ...(opts.candidates ?? stored?.candidates ? { candidates: opts.candidates ?? stored!.candidates } : {}),
          ...((opts.rounds ?? stored?.rounds) !== undefined ? { rounds: opts.rounds ?? stored!.rounds } : {}),
          ...((opts.examples ?? stored?.examples) !== undefined ? { examples: opts.examples ?? stored!.examples } : {}),
          ...((opts.seed ?? stored?.seed) !== undefined ? { seed: opts.seed ?? stored!.seed } : {}),
          ...(opts.fixedInstruction ?? stored?.fixedInstruction ? { fixedInstruction: opts.fixedInstruction ?? stored!.fixedInstruction } : {}),
          ...(stored ? { generatorSampling: stored.generatorSampling } : {}),
          ...(reference ? { reference } : {}),
          ...(rater ? { qualityRater: rater } : {}),
          concurrency: opts.concurrency,
          signal: sigint.signal,
          progress: (label, total) => createProgress({ label, total }),
          ...(opts.resume ? { resume: opts.resume } : {}),
          onPlan: async (planned) => { process.stderr.write(`${await describePlan(store, 'plan', planned, opts.concurrency)}\n`); },
          onRun: (run, config) => process.stderr.write(`VILMO run ${run.id}: ${config.methods.join(', ')} on ${config.prompts.count} prompts of ${config.prompts.source}, target ${config.target.spec}, generator ${config.generator.spec}, select judge ${config.selectJudge.id}@${config.selectJudge.version}, report judge ${config.judge.id}@${config.judge.version}, primary ${config.primary.toUpperCase()} (Ctrl-C stops; rerun the same command or --resume ${run.id} to continue)\n`),
        });
      } finally {
        sigint.dispose();
      }
      for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
      const { failures, interrupted: _i, qualityFailures: _q, ...shown } = result;
      emit(ctx, shown, () => formatVilmo(result));
      if (failures.length) process.stderr.write(`warning: ${failures.length} units failed (first: ${failures[0]!.error}); the run stopped at that stage; rerun the same command to retry them.\n`);
      if (result.qualityFailures?.length) process.stderr.write(`warning: ${result.qualityFailures.length} quality measurements failed (first: ${result.qualityFailures[0]}); rerun the same command to retry them.\n`);
      if (result.interrupted) return INTERRUPTED_EXIT;
      return failures.length || result.qualityFailures?.length ? 1 : 0;
    }))),
    [
      'tenet align vilmo --target ollama:llama3.1:8b --prompts builtin:valuecompass-mft --limit 60 --samples 4 --select-judge local --judge llm:ollama:llama3.1:8b',
      'tenet align vilmo --target openai:gpt-4o-mini --generator openai:gpt-4o-mini --prompts builtin:valuecompass-mft --samples 4 --candidates 4 --rounds 2 --select-judge llm:openai:gpt-4o-mini --judge llm:openai:gpt-4o --primary apv --reference llamacpp:smollm2-135m-instruct-q4_1 --json',
      'tenet align vilmo --target llamacpp:smollm2-135m-instruct-q4_1 --prompts builtin:valuecompass-mft --limit 10 --samples 2 --candidates 2 --rounds 1 --max-tokens 32 --judge local-fast   # offline, small: 118 generations, about 5 min on 2 quiet cores (10 min measured under load); it prints its plan first',
      'tenet align vilmo --resume vilmo-1a2b3c4d5e6f                  # continue an interrupted run',
      'tenet report vilmo-1a2b3c4d5e6f -o vilmo.html                   # arms side by side, paired differences, examples',
      'tenet align export vilmo-1a2b3c4d5e6f --format sft --chat -o gen-sft.jsonl   # (prompt, best instruction) pairs to fine-tune a generator (TRL)',
    ],
  );
  vilmo.addHelpText('after', `
Arms (each run on the same held-out test prompts, K samples each, scored by the report judge --judge):
  none           the target continues the story as in \`tenet bench\`
  fixed          one generic instruction for every prompt (--fixed-instruction)
  principle      the instruction states the prompt's principle (an oracle: it is told what is at stake)
  ape            the generator proposes M task-level instructions; the best on the training prompts is used everywhere
  self-critique  the target critiques each of its none-arm continuations against the principle, then revises it
  vilmo          the generator writes an instruction per prompt; its meta-prompt is trained over R rounds on the
                 training prompts (best of M candidates per prompt as examples, plus a summary), and the round with
                 the best validation conformity writes the test prompts' instructions
Read the paired table first: vilmo against every other arm on the same prompts; a difference on the primary
metric counts only when its Holm-corrected p is below 0.05 (secondary metrics are reported beside it).
Training (VILMO's rounds, APE's choice) is scored by --select-judge; give it a judge other than --judge.
`);

  examples(
    align.command('vilmo-results <run>')
      .description('the results of a stored VILMO run (as `align vilmo` prints them)')
      .action(action(async (runId: string, _opts: unknown, command: Command) => withContext(command, async (ctx) => {
        const r = await loadVilmoResults(await ctx.store(), runId);
        emit(ctx, r, () => formatVilmo(r));
      }))),
    ['tenet align vilmo-results vilmo-1a2b3c4d5e6f --json'],
  );
}
