// Provider throughput and per-call overhead against the loopback server with a fixed latency.
// Run: npm run bench:provider-overhead   (writes benchmarks/provider-overhead/results.json)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { cpus } from 'node:os';
import { createModel } from '../../src/models/spec.ts';

const LATENCY_MS = 50;
const ROUNDS = 100; // calls per concurrency slot: each level runs ~ROUNDS × 50 ms, long enough that ramp-up and drain are small
const LEVELS = [1, 16, 64];
const KINDS = ['openai', 'anthropic', 'ollama'] as const;
/** The baseline: a bare keep-alive node:http client posting the same OpenAI request, with no provider stack. */
const RAW = 'raw node:http (baseline)';

const child = spawn(process.execPath, [new URL('./server.ts', import.meta.url).pathname, String(LATENCY_MS)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));

interface Row {
  provider: string;
  concurrency: number;
  calls: number;
  wallMs: number;
  throughput: number;
  ideal: number;
  efficiency: number;
  overheadMsPerCall: number;
  cpuMsPerCall: number;
}

function rawClient(): (i: number) => Promise<unknown> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const target = new URL(`${url}/v1/chat/completions`);
  return (i) => new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: `question ${i}` }], max_tokens: 32 });
    const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A caller for one level: tenet's Provider for `kind`, or the raw baseline (which runs its own pool of `concurrency`). */
function caller(kind: string, concurrency: number): (calls: number) => Promise<void> {
  if (kind === RAW) {
    const send = rawClient();
    return async (calls) => {
      let next = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < calls) await send(next++);
      }));
    };
  }
  const model = createModel(`${kind}:bench`, {
    baseUrl: kind === 'openai' ? `${url}/v1` : url,
    env: {},
    config: { providers: { [kind]: { concurrency } } },
  });
  return async (calls) => {
    await Promise.all(Array.from({ length: calls }, (_, i) => model.chat({ messages: [{ role: 'user', content: `question ${i}` }], maxTokens: 32 })));
  };
}

const rows: Row[] = [];
for (const kind of [RAW, ...KINDS]) {
  for (const concurrency of LEVELS) {
    const run = caller(kind, concurrency);
    await run(concurrency); // warm-up: open the keep-alive connections
    const calls = concurrency * ROUNDS;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run(calls);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const throughput = calls / (wallMs / 1000);
    const ideal = concurrency / (LATENCY_MS / 1000);
    rows.push({
      provider: kind,
      concurrency,
      calls,
      wallMs: Math.round(wallMs),
      throughput: Math.round(throughput * 10) / 10,
      ideal,
      efficiency: Math.round((throughput / ideal) * 1000) / 1000,
      overheadMsPerCall: Math.round(((wallMs * concurrency) / calls - LATENCY_MS) * 100) / 100,
      cpuMsPerCall: Math.round(((used.user + used.system) / 1000 / calls) * 1000) / 1000,
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
}
child.kill('SIGTERM');

const result = {
  benchmark: 'provider-overhead',
  date: new Date().toISOString(),
  node: process.version,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  latencyMs: LATENCY_MS,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  rows,
};
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(`peak RSS ${result.peakRssMb} MB; results written to benchmarks/provider-overhead/results.json`);
