/**
 * `tenet discover TRANSCRIPTS --model SPEC`: which values a model expresses in real conversations (src/discover/).
 * Thin: read the conversations, open the models and the encoder, run, print (or --json).
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { TenetError } from '../errors.ts';
import { DEFAULT_MAX_CONVERSATION_CHARS, loadConversations, parseFieldMap } from '../discover/input.ts';
import { FRAMEWORKS, type FrameworkName } from '../discover/organise.ts';
import { runDiscover, type DiscoverResult } from '../discover/run.ts';
import { createEncoder, DEFAULT_ENCODER } from '../models/encoder.ts';
import type { Provider } from '../models/types.ts';
import { createProgress } from '../runtime/progress.ts';
import { describePlan } from '../runtime/plan.ts';
import { interruptOnSigint } from '../runtime/run.ts';
import { withContext } from './context.ts';
import { executorFor, executorOption, type ExecutorName } from './executor.ts';
import { action, emit, examples, MAX_LIMIT_OPTION, positiveInt } from './io.ts';

interface DiscoverCliOptions {
  model: string;
  namer?: string;
  encoder: string;
  frameworks: string;
  by?: string;
  limit?: number;
  map?: string[];
  maxChars?: number;
  maxTokens?: number;
  seed?: number;
  maxValues?: number;
  concurrency: number;
  cache: boolean;
  resume?: string;
  executor: ExecutorName;
  allowFailures?: boolean;
}

const INTERRUPTED_EXIT = 130;
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Where the transcripts go: a local model keeps them on this machine; a remote API receives them. */
export function whereTranscriptsGo(model: Provider): string {
  if (model.spec.startsWith('llamacpp:')) return `${model.spec} runs in this process: the transcripts stay on this machine`;
  const url = model.baseUrl;
  let host = '';
  try {
    host = url ? new URL(url).hostname : '';
  } catch {
    host = '';
  }
  if (host && /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/.test(host)) return `${model.spec} is served on this machine (${host}): the transcripts stay here`;
  return `${model.spec} is a remote API${host ? ` (${host})` : ''}: every transcript is sent to it`;
}

function parseFrameworks(list: string): FrameworkName[] {
  const names = list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const n of names) if (!(FRAMEWORKS as readonly string[]).includes(n)) throw new TenetError('BAD_USAGE', `unknown framework "${n}" in --frameworks`, { hint: `use ${FRAMEWORKS.join(', ')} (comma-separated)` });
  if (!names.length) throw new TenetError('BAD_USAGE', '--frameworks needs at least one framework');
  return [...new Set(names)] as FrameworkName[];
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function formatDiscover(r: DiscoverResult): string {
  const lines: string[] = [];
  lines.push(`discover run ${r.run} (${r.status}): ${r.n_conversations} conversations, extractor ${r.extractor}, encoder ${r.encoder}`);
  lines.push(`  parsed ${Object.values(r.groups).reduce((a, b) => a + b, 0)}, unparsed ${r.unparsed}${r.failed ? `, failed ${r.failed}` : ''}`);
  for (const u of r.unparsed_examples.slice(0, 3)) lines.push(`    unparsed ${u.conversation}: ${u.why}`);
  const byName = new Map(r.values.map((v) => [v.name, v]));
  const show = (v: DiscoverResult['values'][number], indent: string): void => {
    const m = v.framework_match ? `  ≈ ${v.framework_match.framework}:${v.framework_match.id} (${v.framework_match.similarity.toFixed(2)})` : '';
    const ci = v.prevalence.overall.ci;
    lines.push(`${indent}${v.name.padEnd(Math.max(4, 32 - indent.length))} ${pct(v.prevalence.overall.value).padStart(6)} [${pct(ci[0])}, ${pct(ci[1])}]${m}`);
    if (r.by) for (const [g, p] of Object.entries(v.prevalence.by)) lines.push(`${indent}    ${r.by}=${g}: ${pct(p.value)} [${pct(p.ci[0])}, ${pct(p.ci[1])}] of ${p.n}`);
    for (const c of v.children) { const child = byName.get(c); if (child) show(child, `${indent}  `); }
  };
  lines.push('', 'values (share of conversations, 95% Wilson interval):');
  const roots = r.values.filter((v) => !v.parent);
  roots.sort((a, b) => b.prevalence.overall.value - a.prevalence.overall.value || a.name.localeCompare(b.name));
  for (const v of roots.slice(0, 40)) show(v, '  ');
  if (roots.length > 40) lines.push(`  … ${roots.length - 40} more (--json or tenet report for all)`);
  if (r.by) {
    lines.push('', `distinguishing values by ${r.by} (Fisher's exact test, Holm-corrected over ${r.tests} tests, α = 0.05):`);
    if (!r.distinguishing.length) lines.push('  none');
    for (const d of r.distinguishing) lines.push(`  ${d.value}: ${d.a} − ${d.b} = ${(d.difference * 100).toFixed(1)} pts [${(d.ci[0] * 100).toFixed(1)}, ${(d.ci[1] * 100).toFixed(1)}], p_adj = ${d.p_adj.toPrecision(2)}`);
  }
  if (r.values_under_pressure.length) {
    lines.push('', 'values under pressure (kept while the user pushed against them):');
    for (const v of r.values_under_pressure.slice(0, 10)) lines.push(`  ${v.value}: ${v.n} conversations (${pct(v.share)} of those expressing it)`);
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

export function registerDiscover(program: Command): void {
  const cmd = program.command('discover')
    .description('discover which values a model expresses in real conversations: extract, organise into a hierarchy, count with intervals (a stored, resumable run)')
    .argument('<transcripts>', 'a JSONL or JSON file of conversations: {id, messages: [{role, content}], meta?} (OpenAI), ShareGPT {id, conversations: [{from, value}]}, or any shape with --map')
    .requiredOption('--model <spec>', 'the extractor: the model that reads each conversation and lists its values (e.g. openai:gpt-4o-mini, llamacpp:smollm2-135m-instruct-q4_1)')
    .option('--namer <spec>', 'the model that names clusters of several phrases (default: the extractor)')
    .option('--encoder <spec>', `embeds the value phrases: local-encoder:NAME, an OpenAI-compatible embeddings model, or hashed (default ${DEFAULT_ENCODER})`, DEFAULT_ENCODER)
    .option('--frameworks <list>', 'map each discovered value to the nearest value of these frameworks (schwartz, mft)', 'schwartz,mft')
    .option('--by <field>', 'prevalence by this metadata field (e.g. meta.model, meta.task), and the values that distinguish its groups')
    .option('--limit <n>', 'use only the first N conversations', positiveInt('--limit', MAX_LIMIT_OPTION))
    .option('--map <target=source>', 'read another shape: id=PATH, messages=PATH, role=KEY, content=KEY, meta.NAME=PATH (repeatable)', collect)
    .option('--max-chars <n>', `longest conversation accepted, in characters (default ${DEFAULT_MAX_CONVERSATION_CHARS})`, positiveInt('--max-chars', 10_000_000))
    .option('--max-tokens <m>', 'longest extraction reply, in tokens (default 512)', positiveInt('--max-tokens', 100_000))
    .option('--max-values <n>', 'values per side an extraction may list (default 8; fewer keeps a small model from running out of tokens)', positiveInt('--max-values', 50))
    .option('--seed <n>', 'sampling seed of the extractor (default 0; temperature 0)', positiveInt('--seed', 2 ** 31 - 1))
    .option('--concurrency <c>', 'conversations worked on at once', positiveInt('--concurrency', 1024), 8)
    .option('--resume <run>', 'continue this run (rerunning the same command does the same)')
    .option('--no-cache', 'always call the models, never answer from the response cache')
    .option('--allow-failures', 'conversations whose extraction still fails after retries are a warning, not exit 1');
  executorOption(cmd);
  cmd.action(action(async (file: string, opts: DiscoverCliOptions, command: Command) => withContext(command, async (ctx) => {
    const frameworks = parseFrameworks(opts.frameworks);
    const map = parseFieldMap(opts.map ?? []);
    const conversations = await loadConversations(file, { ...(opts.limit ? { limit: opts.limit } : {}), map, ...(opts.maxChars ? { maxChars: opts.maxChars } : {}) });
    const executor = await executorFor(ctx, opts);
    const store = await ctx.store();
    const extractor = await ctx.model(opts.model, { noCache: !opts.cache });
    const namer = opts.namer ? await ctx.model(opts.namer, { noCache: !opts.cache }) : extractor;
    const encoder = createEncoder(opts.encoder, { config: ctx.config });
    process.stderr.write(`privacy: ${whereTranscriptsGo(extractor)}${namer !== extractor ? `; the namer ${namer.spec} sees value phrases only` : ''}\n`);
    process.stderr.write(`${await describePlan(store, 'plan', [{ model: extractor.spec, role: 'extractor', generations: conversations.length, maxTokens: opts.maxTokens ?? 512 }], opts.concurrency)}\n`);
    const progress = createProgress({ label: 'discover', total: conversations.length });
    const sigint = interruptOnSigint();
    let out;
    try {
      out = await runDiscover({
        store, conversations, source: { file: resolve(file), map }, extractor, namer, encoder, frameworks,
        concurrency: opts.concurrency, signal: sigint.signal, progress,
        ...(opts.by ? { by: opts.by } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.maxValues ? { maxValues: opts.maxValues } : {}),
        ...(opts.maxTokens ? { sampling: { maxTokens: opts.maxTokens } } : {}),
        ...(executor ? { executor } : {}),
        ...(opts.resume ? { resume: opts.resume } : {}),
        onRun: (run) => process.stderr.write(`discover run ${run.id}: ${conversations.length} conversations, extractor ${extractor.spec} (Ctrl-C stops; rerun the same command or --resume ${run.id} to continue)\n`),
      });
    } finally {
      sigint.dispose();
    }
    const { result, stage } = out;
    emit(ctx, result, () => formatDiscover(result));
    if (stage.interrupted) return INTERRUPTED_EXIT;
    if (stage.failed.length) {
      process.stderr.write(`${opts.allowFailures ? 'warning' : 'error'}: ${stage.failed.length} of ${stage.units} extractions failed after retries; rerun the same command to retry them.\n`);
      if (!opts.allowFailures) return 1;
    }
    return 0;
  })));
  examples(cmd, [
    'tenet discover chats.jsonl --model openai:gpt-4o-mini --by meta.model',
    'tenet discover sharegpt.json --model llamacpp:smollm2-135m-instruct-q4_1 --limit 50 --json',
    'tenet discover logs.jsonl --model openai:gpt-4o-mini --map id=uuid --map messages=turns --map meta.task=category --by meta.task',
    'tenet report discover-1a2b3c4d5e6f   # hierarchy, prevalence bars with intervals, quotes',
  ]);
}
