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
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoder } from '../../src/models/encoder.ts';
import { unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { createModel } from '../../src/models/spec.ts';

const { values } = parseArgs({ options: { out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname }, rounds: { type: 'string', default: '2' } } });
const ROUNDS = Number(values.rounds);
const MODELS = ['llamacpp:smollm2-135m-instruct-q4_1', 'llamacpp:gemma-3-270m-q4_k_m'];
const PROMPT = [{ role: 'user' as const, content: 'Continue the story in a few sentences: Sam found a wallet full of cash on the bus and' }];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1): number => Number(x.toFixed(d));

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

const scoring: Record<string, unknown>[] = [];
const CONTINUATION = ' he walked straight to the driver, handed it over, and asked him to keep it safe until its owner called the bus company.';
for (const spec of MODELS) {
  await unloadLlamaModels();
  const model = createModel(spec, { config: { providers: { llamacpp: { threads: 2, concurrency: 1 } } } });
  await model.score({ prompt: 'Sam found a wallet on the bus and', continuation: ' kept it.' });
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const started = performance.now();
    const result = await model.score({ prompt: 'Sam found a wallet on the bus and', continuation: CONTINUATION });
    rates.push(result.tokens.length / ((performance.now() - started) / 1000));
  }
  const row = { model: spec, threads: 2, scoredTokensPerSecond: round(median(rates)) };
  console.log(JSON.stringify(row));
  scoring.push(row);
}

const encoder: Record<string, unknown>[] = [];
const sentences = Array.from({ length: 64 }, (_, i) => `Story ${i}: she found a lost wallet on the train and decided to return it to its owner before evening.`);
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
const benchRun = { command: `tenet ${args.filter((a) => a !== db).join(' ')}`, prompts: 20, samples: 2, models: 2, wallSeconds: benchWallS, run: JSON.parse(bench.stdout).run };
console.log(JSON.stringify(benchRun));

const result = {
  date: new Date().toISOString(),
  command: `node benchmarks/local-models/run.ts --rounds ${ROUNDS}`,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadAverage1mAtEnd: round(loadavg()[0]!, 2), nodeLlamaCpp: JSON.parse(readFileSync(new URL('../../node_modules/node-llama-cpp/package.json', import.meta.url), 'utf8')).version },
  generation,
  scoring,
  encoder,
  peakRssMb,
  bench: benchRun,
};
writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
console.log(`peak RSS ${peakRssMb} MB; written to ${values.out}`);
