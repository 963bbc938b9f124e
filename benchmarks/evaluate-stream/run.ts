// `tenet evaluate` over 100,000 rows: wall time and peak RSS of the whole CLI process (streaming, bounded memory).
// Run: npm run build && node benchmarks/evaluate-stream/run.ts   (writes benchmarks/evaluate-stream/results.json)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROWS = 100_000;
const sample = readFileSync(new URL('../../data/samples/fulcra-responses.jsonl', import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const input = join(tmpdir(), 'tenet-evaluate-100k.jsonl');
const output = join(tmpdir(), 'tenet-evaluate-100k-out.jsonl');
writeFileSync(input, Array.from({ length: ROWS }, (_, i) => {
  const r = sample[i % sample.length];
  return JSON.stringify({ id: `r${i}`, model: r.model, prompt: r.prompt, response: r.response });
}).join('\n') + '\n');

const cli = new URL('../../bin/tenet.js', import.meta.url).pathname;
const started = performance.now();
const run = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, cli, 'evaluate', input, '-o', output], { encoding: 'utf8' });
const wallS = (performance.now() - started) / 1000;
const [maxRssKb, user, sys] = run.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
const result = {
  benchmark: 'evaluate-stream', date: new Date().toISOString(), node: process.version, rows: ROWS,
  inputMb: Math.round(readFileSync(input).length / 1e6), wallS: Math.round(wallS * 10) / 10,
  rowsPerS: Math.round(ROWS / wallS), cpuS: Math.round((user! + sys!) * 10) / 10, peakRssMb: Math.round(maxRssKb! / 1024),
};
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(result);
