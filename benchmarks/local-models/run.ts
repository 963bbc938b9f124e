/**
 * The real small models on this machine's CPU: load time and generation speed of each GGUF at 1 and 2 threads
 * and at concurrency 1 and 4 (parallel sequences of one shared context), teacher-forced scoring speed, the
 * sentence encoder's sentences per second, peak RSS, and `tenet bench` wall time on the demo workload.
 *
 *   npm run fetch-models && npm run build && node benchmarks/local-models/run.ts [--out benchmarks/local-models/results.json]
 *
 * Generation: the same story prompt, temperature 1, a fixed seed per request, max 64 new tokens; tokens/s is
 * the output tokens the model reported over the wall time of the batch (prompt processing included).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoder } from '../../src/models/encoder.ts';
import { defaultThreads, sequencePool, unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { localModelPath } from '../../src/models/local-files.ts';
import { createModel } from '../../src/models/spec.ts';

const { values } = parseArgs({ options: { out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname }, rounds: { type: 'string', default: '2' }, only: { type: 'string' } } });
const ROUNDS = Number(values.rounds);
const MODELS = ['llamacpp:smollm2-135m-instruct-q4_1', 'llamacpp:gemma-3-270m-q4_k_m'];
const PROMPT = [{ role: 'user' as const, content: 'Continue the story in a few sentences: Sam found a wallet full of cash on the bus and' }];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1): number => Number(x.toFixed(d));

/**
 * Threads by measurement (issue 25): each kind of work at 1 and 2 threads, same process, same method, each
 * setting on a freshly loaded model; the 1-minute load average is read before each row. Generation: 64 new
 * tokens (prompt included in the time). Batch evaluation: ~500 prompt tokens evaluated without generating
 * (`evaluateWithoutGeneratingNewTokens`). Scoring: `provider.score` (the `tenet models score` path) on a
 * 27-token continuation. Encoder: 64 sentences of ~20 words. Each measurement is a few seconds at most.
 */
async function threadSweep(): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const push = (row: Record<string, unknown>) => {
    console.log(JSON.stringify(row));
    rows.push(row);
  };
  const load = () => round(loadavg()[0]!, 2);
  const text = Array.from({ length: 24 }, (_, i) => `Story ${i}: she found a lost wallet on the train and returned it.`).join(' ');
  for (const spec of MODELS) {
    for (const threads of [1, 2]) {
      await unloadLlamaModels();
      const model = createModel(spec, { config: { providers: { llamacpp: { threads, concurrency: 1 } } } });
      await model.chat({ messages: PROMPT, maxTokens: 1, temperature: 0 }, { noCache: true });
      const before = load();
      const gen: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const started = performance.now();
        const reply = await model.chat({ messages: PROMPT, maxTokens: 64, temperature: 1, seed: 7 + r }, { noCache: true });
        gen.push(reply.usage.outputTokens / ((performance.now() - started) / 1000));
      }
      push({ work: 'generation', model: spec, threads, tokensPerSecond: round(median(gen)), rounds: gen.map((x) => round(x)), load1m: before });
      const { model: llamaModel, pool } = await sequencePool(localModelPath(spec.slice('llamacpp:'.length)), { threads, sequences: 1 });
      const tokens: number[] = llamaModel.tokenize(text);
      const batch: number[] = [];
      const batchLoad = load();
      for (let r = 0; r < ROUNDS; r++) {
        const started = performance.now();
        await pool.use(undefined, (sequence) => sequence.evaluateWithoutGeneratingNewTokens(tokens));
        batch.push(tokens.length / ((performance.now() - started) / 1000));
      }
      push({ work: 'batch evaluation', model: spec, threads, tokens: tokens.length, tokensPerSecond: round(median(batch)), rounds: batch.map((x) => round(x)), load1m: batchLoad });
      await model.score({ prompt: 'Sam found a wallet on the bus and', continuation: ' kept it.' });
      const scored: number[] = [];
      const scoreLoad = load();
      for (let r = 0; r < ROUNDS; r++) {
        const started = performance.now();
        const result = await model.score({ prompt: 'Sam found a wallet on the bus and', continuation: CONTINUATION });
        scored.push(result.tokens.length / ((performance.now() - started) / 1000));
      }
      push({ work: 'scoring', model: spec, threads, tokensPerSecond: round(median(scored)), rounds: scored.map((x) => round(x)), load1m: scoreLoad });
    }
  }
  for (const threads of [1, 2]) {
    await unloadLlamaModels();
    const e = createEncoder('local-encoder:all-minilm-l6-v2', { config: { providers: { llamacpp: { threads } } } });
    await e.embed(['warm up']);
    const before = load();
    const rates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const started = performance.now();
      await e.embed(SENTENCES);
      rates.push(SENTENCES.length / ((performance.now() - started) / 1000));
    }
    push({ work: 'encoder', model: 'local-encoder:all-minilm-l6-v2', threads, sentencesPerSecond: round(median(rates)), rounds: rates.map((x) => round(x)), load1m: before });
  }
  await unloadLlamaModels();
  return rows;
}

const CONTINUATION = ' he walked straight to the driver, handed it over, and asked him to keep it safe until its owner called the bus company.';
const SCORE_PROMPT = 'Sam found a wallet on the bus and';
const LONG_CONTINUATION = [
  ' looked inside: three hundred dollars, a library card and a photograph of two children on a beach.',
  ' He thought about the rent that was due on Friday, and about the fact that nobody had seen him pick it up.',
  ' Then he thought about whoever had lost it, checking their pockets again and again on some street corner.',
  ' At the next stop he walked to the front, handed the wallet to the driver and asked him to call the depot,',
  ' so that the owner could collect it that evening. The driver wrote down his name and thanked him, and Sam',
  ' sat back down, a little lighter, and watched the city go past the window until the bus reached the end of its line.',
].join('');
const SENTENCES = Array.from({ length: 64 }, (_, i) => `Story ${i}: she found a lost wallet on the train and decided to return it to its owner before evening.`);
const machine = () => ({ cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadAverage1mAtEnd: round(loadavg()[0]!, 2), nodeLlamaCpp: JSON.parse(readFileSync(new URL('../../node_modules/node-llama-cpp/package.json', import.meta.url), 'utf8')).version });

/** The results file so far (an `--only` run merges its section into it, beside the other sections). */
const previousResults = (): Record<string, any> => (existsSync(values.out!) ? JSON.parse(readFileSync(values.out!, 'utf8')) : {});

/** Writes the results file with these sections replaced, and ends the run. */
function writeSectionsAndExit(sections: Record<string, unknown>): never {
  writeFileSync(values.out!, `${JSON.stringify({ ...previousResults(), ...sections }, null, 2)}\n`);
  console.log(`written to ${values.out}`);
  process.exit(0);
}

if (values.only === 'threads') {
  const started = { date: new Date().toISOString(), load1mBefore: round(loadavg()[0]!, 2) };
  const sweep = await threadSweep();
  const run = { ...started, command: `node benchmarks/local-models/run.ts --only threads --rounds ${ROUNDS}`, machine: machine(), defaultThreads: defaultThreads(), rows: sweep };
  // Appended to the runs before it: one run on a 2-core machine is too noisy to decide on alone.
  const previous = previousResults().threads;
  writeSectionsAndExit({ threads: { ...previous, runs: [...(previous?.runs ?? []), run] } });
}

// Scoring against batch evaluation of the very same tokens (issue 25: scoring must reach ≥ 80% of it), same
// process, same sequence settings (1 thread, 1 sequence), alternating rounds: the context tokens plus a
// 136-token continuation, evaluated once without generating (no logits: llama.cpp skips the output layer),
// once with the next token's logits computed at every continuation position (the output layer there plus
// the greedy pick: the least node-llama-cpp offers, and what scoring cannot do without), then scored
// (`provider.score`, the `tenet models score` path), each as evaluated tokens (prompt + continuation) per second.
async function scoringAgainstBatch(): Promise<Record<string, unknown>[]> {
  const scoring: Record<string, unknown>[] = [];
  for (const spec of MODELS) {
    await unloadLlamaModels();
    const model = createModel(spec, { config: { providers: { llamacpp: { threads: 1, concurrency: 1 } } } });
    await model.score({ prompt: SCORE_PROMPT, continuation: ' kept it.' });
    const { model: llamaModel, pool } = await sequencePool(localModelPath(spec.slice('llamacpp:'.length)), { threads: 1, sequences: 1 });
    const bos = llamaModel.tokens.shouldPrependBosToken && llamaModel.tokens.bos !== null ? [llamaModel.tokens.bos as number] : [];
    const context = [...bos, ...llamaModel.tokenize(SCORE_PROMPT)];
    const tokens: number[] = [...context, ...llamaModel.tokenize(LONG_CONTINUATION)];
    const withLogits = tokens.map((token, i) => (i >= context.length - 1 && i < tokens.length - 1 ? [token, { generateNext: { token: true, options: { temperature: 0 } } }] : token));
    const batch: number[] = [];
    const logits: number[] = [];
    const scored: number[] = [];
    let continuationTokens = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let started = performance.now();
      await pool.use(undefined, (sequence) => sequence.evaluateWithoutGeneratingNewTokens(tokens));
      batch.push(tokens.length / ((performance.now() - started) / 1000));
      started = performance.now();
      await pool.use(undefined, (sequence) => sequence.controlledEvaluate(withLogits));
      logits.push(tokens.length / ((performance.now() - started) / 1000));
      started = performance.now();
      const result = await model.score({ prompt: SCORE_PROMPT, continuation: LONG_CONTINUATION });
      scored.push(tokens.length / ((performance.now() - started) / 1000));
      continuationTokens = result.tokens.length;
    }
    const row = {
      model: spec, threads: 1, tokens: tokens.length, continuationTokens,
      batchTokensPerSecond: round(median(batch)), batchWithLogitsTokensPerSecond: round(median(logits)), scoringTokensPerSecond: round(median(scored)),
      scoringOverBatch: round(median(scored) / median(batch), 2), scoringOverBatchWithLogits: round(median(scored) / median(logits), 2),
      rounds: { batch: batch.map((x) => round(x)), batchWithLogits: logits.map((x) => round(x)), scoring: scored.map((x) => round(x)) }, load1m: round(loadavg()[0]!, 2),
    };
    console.log(JSON.stringify(row));
    scoring.push(row);
  }
  return scoring;
}

if (values.only === 'scoring') {
  const scoring = await scoringAgainstBatch();
  writeSectionsAndExit({ scoring, scoringMeasured: { date: new Date().toISOString(), command: `node benchmarks/local-models/run.ts --only scoring --rounds ${ROUNDS}`, machine: machine() } });
}

const generation: Record<string, unknown>[] = [];
for (const spec of MODELS) {
  for (const threads of [1, 2]) {
    for (const concurrency of [1, 4]) {
      await unloadLlamaModels();
      const model = createModel(spec, { config: { providers: { llamacpp: { threads, concurrency } } } });
      const t0 = performance.now();
      await model.chat({ messages: PROMPT, maxTokens: 1, temperature: 0 }, { noCache: true }); // load + context
      const loadMs = performance.now() - t0;
      const rates: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const started = performance.now();
        const replies = await Promise.all(Array.from({ length: concurrency }, (_, k) =>
          model.chat({ messages: PROMPT, maxTokens: 64, temperature: 1, seed: 100 * r + k }, { noCache: true })));
        const tokens = replies.reduce((s, x) => s + x.usage.outputTokens, 0);
        rates.push(tokens / ((performance.now() - started) / 1000));
      }
      const row = { model: spec, threads, concurrency, loadMs: Math.round(loadMs), tokensPerSecond: round(median(rates)), rounds: rates.map((x) => round(x)) };
      console.log(JSON.stringify(row));
      generation.push(row);
    }
  }
}

const scoring = await scoringAgainstBatch();
const encoder: Record<string, unknown>[] = [];
const sentences = SENTENCES;
for (const threads of [1, 2]) {
  await unloadLlamaModels();
  const e = createEncoder('local-encoder:all-minilm-l6-v2', { config: { providers: { llamacpp: { threads } } } });
  const t0 = performance.now();
  await e.embed(['warm up']);
  const loadMs = performance.now() - t0;
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const started = performance.now();
    await e.embed(sentences);
    rates.push(sentences.length / ((performance.now() - started) / 1000));
  }
  const row = { encoder: 'local-encoder:all-minilm-l6-v2', threads, loadMs: Math.round(loadMs), sentencesPerSecond: round(median(rates)) };
  console.log(JSON.stringify(row));
  encoder.push(row);
}
await unloadLlamaModels();
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);

// `tenet bench` on the demo workload (what `npm run demo` runs), as a child process, from a cold start.
const db = join(mkdtempSync(join(tmpdir(), 'tenet-local-models-')), 'demo.db');
const cli = new URL('../../bin/tenet.js', import.meta.url).pathname;
const args = ['--db', db, '--json', 'bench', '--models', MODELS.join(','), '--prompts', 'builtin:valuecompass-mft', '--limit', '20', '--samples', '2', '--max-tokens', '48', '--judge', 'local', '--no-cache'];
const started = performance.now();
const bench = spawnSync(process.execPath, ['--max-old-space-size=4096', cli, ...args], { encoding: 'utf8' });
const benchWallS = round((performance.now() - started) / 1000);
if (bench.status !== 0) throw new Error(`tenet bench failed (${bench.status}): ${bench.stderr.slice(-2000)}`);
const benchRun = { command: `tenet ${args.slice(2).join(' ')}`, prompts: 20, samples: 2, models: 2, wallSeconds: benchWallS, run: JSON.parse(bench.stdout).run };
console.log(JSON.stringify(benchRun));

const result = {
  date: new Date().toISOString(),
  command: `node benchmarks/local-models/run.ts --rounds ${ROUNDS}`,
  machine: machine(),
  generation,
  scoring,
  encoder,
  peakRssMb,
  bench: benchRun,
  threads: { runs: [{ date: new Date().toISOString(), load1mBefore: round(loadavg()[0]!, 2), command: 'node benchmarks/local-models/run.ts', rows: await threadSweep(), machine: machine(), defaultThreads: defaultThreads() }] },
};
writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
console.log(`peak RSS ${peakRssMb} MB; written to ${values.out}`);
