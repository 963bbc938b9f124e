// Provider throughput and per-call overhead against the loopback server with a fixed latency.
// Run: npm run bench:provider-overhead   (writes bench/provider-overhead/results.json)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cpus } from 'node:os';
import { createModel } from '../../src/models/spec.ts';

const LATENCY_MS = 50;
const ROUNDS = 100; // calls per concurrency slot: each level runs ~ROUNDS × 50 ms, long enough that ramp-up and drain are small
const LEVELS = [1, 16, 64];
const KINDS = ['openai', 'anthropic', 'ollama'] as const;

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

const rows: Row[] = [];
for (const kind of KINDS) {
  for (const concurrency of LEVELS) {
    const model = createModel(`${kind}:bench`, {
      baseUrl: kind === 'openai' ? `${url}/v1` : url,
      env: {},
      config: { providers: { [kind]: { concurrency } } },
    });
    const calls = concurrency * ROUNDS;
    // warm-up: open the keep-alive connections
    await Promise.all(Array.from({ length: concurrency }, (_, i) => model.chat({ messages: [{ role: 'user', content: `warm ${i}` }] })));
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: calls }, (_, i) => model.chat({ messages: [{ role: 'user', content: `question ${i}` }], maxTokens: 32 })));
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
console.log(`peak RSS ${result.peakRssMb} MB; results written to bench/provider-overhead/results.json`);
