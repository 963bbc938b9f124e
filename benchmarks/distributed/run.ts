// Distributed runs on pg-boss against the local executor: the same `tenet bench` workload (N prompts × K
// samples, one OpenAI-style call with n = K per prompt, local judge, Postgres store) against the loopback
// model server (fixed latency, its own process), run
//   - by the local executor at concurrency 64, and
//   - by `tenet bench --executor pgboss` with 1, 2 and 4 `tenet worker` processes × concurrency 16.
//
//   node benchmarks/distributed/run.ts [--prompts 1000] [--k 2] [--latency 50] [--workers 1,2,4]
//     [--worker-concurrency 16] [--local-concurrency 64] [--runs 2]
//     [--pg postgres://postgres@127.0.0.1:5432/test_distributed] [--out benchmarks/distributed/results.json]
//
// Every process runs under /usr/bin/time -v (user + sys CPU, peak RSS). tenet's tables go in a fresh schema
// per configuration (dropped at the end); pg-boss keeps its jobs in the pgboss schema of the same database.
// See benchmarks/distributed/README.md for what is measured and the results.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { deleteQueue } from '../../src/distributed/queue.ts';

const { values: opts } = parseArgs({
  options: {
    prompts: { type: 'string', default: '1000' },
    k: { type: 'string', default: '2' },
    latency: { type: 'string', default: '50' },
    workers: { type: 'string', default: '1,2,4' },
    'worker-concurrency': { type: 'string', default: '16' },
    'local-concurrency': { type: 'string', default: '64' },
    runs: { type: 'string', default: '2' },
    pg: { type: 'string', default: process.env.TENET_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test_distributed' },
    out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname },
  },
});
const N = Number(opts.prompts);
const K = Number(opts.k);
const LATENCY = Number(opts.latency);
const WC = Number(opts['worker-concurrency']);
const LC = Number(opts['local-concurrency']);
const RUNS = Number(opts.runs);
const PG = opts.pg!;
const here = (f: string): string => new URL(f, import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tenet-distributed-'));
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

// ---- the workload: N story openings (the built-in Value Compass set, cycled), ids unique ----
const openings = readFileSync(here('../../data/prompts/valuecompass-mft.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; foundation: string });
const promptFile = join(work, 'prompts.jsonl');
writeFileSync(promptFile, `${Array.from({ length: N }, (_, i) => JSON.stringify({ id: `dist-${i}`, prompt: openings[i % openings.length]!.prompt, foundation: openings[i % openings.length]!.foundation })).join('\n')}\n`);

// ---- the loopback server (the pipeline benchmark's), in its own process ----
const server = spawn(process.execPath, [here('../pipeline/server.ts'), String(LATENCY)], { stdio: ['pipe', 'pipe', 'inherit'] });
const serverLines = createInterface({ input: server.stdout! });
const nextLine = (): Promise<string> => new Promise((resolve) => serverLines.once('line', resolve));
const url = await nextLine();
async function requestCount(): Promise<number> {
  const line = nextLine();
  server.stdin!.write('count\n');
  return Number(await line);
}

const config = join(work, 'tenet.config.yaml');
writeFileSync(config, ['cache: false', 'providers:', `  openai: {baseUrl: "${url}/v1", concurrency: 256}`].join('\n'));

interface Measured { wallS: number; userS: number; sysS: number; peakRssMb: number; stdout: string; stderr: string; code: number | null; marks: Record<string, number> }

/** Start a command under /usr/bin/time -v; `marks` records when stderr lines matching `watch` first appear. */
function start(cmd: string[], watch: Record<string, RegExp> = {}): { child: ChildProcess; done: Promise<Measured>; marks: Record<string, number>; pid: () => number } {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-v', ...cmd], { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work } });
  let stdout = '';
  let stderr = '';
  const marks: Record<string, number> = {};
  child.stdout!.on('data', (d) => (stdout += d));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr += `${line}\n`;
    for (const [name, re] of Object.entries(watch)) if (marks[name] === undefined && re.test(line)) marks[name] = (performance.now() - started) / 1000;
  });
  const done = new Promise<Measured>((resolve) => child.on('close', (code) => {
    const num = (re: RegExp): number => Number(re.exec(stderr)?.[1] ?? Number.NaN);
    resolve({
      wallS: (performance.now() - started) / 1000,
      userS: num(/User time \(seconds\): ([\d.]+)/),
      sysS: num(/System time \(seconds\): ([\d.]+)/),
      peakRssMb: Math.round(num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024),
      stdout, stderr, code, marks,
    });
  }));
  const pid = (): number => Number(/\bpid (\d+)\)/.exec(stderr)?.[1] ?? child.pid);
  return { child, done, marks, pid };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const main = here('../../src/cli/main.ts');
const schemas: string[] = [];

interface Row {
  run: number;
  executor: string;
  workers: number;
  concurrency: number;
  units: number;
  samples: number;
  calls: number;
  /** From the run being opened to the last unit stored, as the enqueuing command's progress line shows it. */
  pipelineWallS: number;
  unitsPerS: number;
  /** units · latency / (workers · concurrency): every slot busy with nothing but the model's latency. */
  idealS: number;
  efficiency: number;
  /** Mean time a concurrency slot spent per unit beyond the model latency: wall · slots / units − latency. */
  slotMsPerUnitBeyondLatency: number;
  /** user + sys CPU of every tenet process (workers and the enqueuing command), per call. */
  cpuMsPerCall: number;
  enqueuerCpuMsPerCall: number;
  peakRssMbPerWorker: number | null;
  enqueuerPeakRssMb: number;
  loadAvg1m: number;
}
const rows: Row[] = [];

async function runOnce(run: number, workers: number): Promise<void> {
  const schema = `bdist_${Date.now().toString(36)}_${workers}_${run}`;
  schemas.push(schema);
  const db = `${PG}?schema=${schema}`;
  const concurrency = workers === 0 ? LC : WC;
  const procs = Array.from({ length: workers }, () => start([process.execPath, main, '--config', config, '--db', db, 'worker', '--concurrency', String(WC)], { up: /connected: claiming units/ }));
  while (procs.some((p) => p.marks.up === undefined)) {
    if (procs.some((p) => p.child.exitCode !== null)) throw new Error(`a worker exited: ${(await Promise.race(procs.map((p) => p.done))).stderr}`);
    await sleep(100);
  }
  const before = await requestCount();
  const bench = start([process.execPath, main, '--config', config, '--db', db, '--json', 'bench', '--models', 'openai:dist-model', '--prompts', promptFile,
    '--samples', String(K), '--judge', 'local', '--no-cache', '--concurrency', String(LC), '--executor', workers === 0 ? 'local' : 'pgboss'],
  { start: /^bench run /, done: new RegExp(`\\[bench\\] ${N}/${N} 100%`) });
  const b = await bench.done;
  const calls = (await requestCount()) - before;
  // SIGTERM to the worker itself (its pid is on its "connected" line), not to /usr/bin/time around it
  for (const p of procs) process.kill(p.pid(), 'SIGTERM');
  const w = await Promise.all(procs.map((p) => p.done));
  if (b.code !== 0) throw new Error(`bench exited ${b.code}: ${b.stderr.slice(-2000)}`);
  const out = JSON.parse(b.stdout);
  const overall = out.models[0].metrics.overall;
  if (overall.samples !== N * K || out.failures !== 0) throw new Error(`stored ${overall.samples} samples, ${out.failures} failures`);
  const wall = (b.marks.done ?? b.wallS) - (b.marks.start ?? 0);
  const slots = (workers || 1) * concurrency;
  const ideal = (N * LATENCY) / 1000 / slots;
  const cpu = b.userS + b.sysS + w.reduce((s, m) => s + m.userS + m.sysS, 0);
  rows.push({
    run,
    executor: workers === 0 ? 'local' : 'pgboss',
    workers,
    concurrency,
    units: N,
    samples: N * K,
    calls,
    pipelineWallS: round(wall),
    unitsPerS: round(N / wall, 1),
    idealS: round(ideal),
    efficiency: round(ideal / wall, 3),
    slotMsPerUnitBeyondLatency: round((wall * 1000 * slots) / N - LATENCY, 1),
    cpuMsPerCall: round((cpu * 1000) / calls, 2),
    enqueuerCpuMsPerCall: round(((b.userS + b.sysS) * 1000) / calls, 2),
    peakRssMbPerWorker: w.length ? Math.max(...w.map((m) => m.peakRssMb)) : null,
    enqueuerPeakRssMb: b.peakRssMb,
    loadAvg1m: round(loadavg()[0]!),
  });
  console.log(JSON.stringify(rows.at(-1)));
}

const levels = [0, ...opts.workers!.split(',').map(Number)];
try {
  for (let run = 1; run <= RUNS; run++) for (const workers of levels) await runOnce(run, workers);
} finally {
  server.kill('SIGTERM');
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  for (const s of schemas) {
    await deleteQueue(`${PG}?schema=${s}`).catch(() => {});
    await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  }
  await admin.end();
}

// mean and range over the repetitions, per configuration
const summary = levels.map((workers) => {
  const mine = rows.filter((r) => r.workers === workers);
  const stat = (f: (r: Row) => number) => {
    const xs = mine.map(f);
    return { mean: round(xs.reduce((a, b) => a + b, 0) / xs.length, 2), min: Math.min(...xs), max: Math.max(...xs) };
  };
  return {
    executor: workers === 0 ? `local × ${LC}` : `pgboss ${workers} worker${workers > 1 ? 's' : ''} × ${WC}`,
    runs: mine.length,
    unitsPerS: stat((r) => r.unitsPerS),
    efficiency: stat((r) => r.efficiency),
    slotMsPerUnitBeyondLatency: stat((r) => r.slotMsPerUnitBeyondLatency),
    cpuMsPerCall: stat((r) => r.cpuMsPerCall),
    peakRssMbPerWorker: workers ? stat((r) => r.peakRssMbPerWorker ?? 0) : null,
    calls: stat((r) => r.calls),
  };
});

writeFileSync(opts.out!, `${JSON.stringify({
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, note: 'shared machine: other agents ran builds and tests on the same 2 cores while this was measured; Postgres 15 on the same machine' },
  workload: { prompts: N, k: K, latencyMs: LATENCY, judge: 'local', store: 'Postgres (fresh schema per configuration)', model: 'openai-style, n = K in one call per prompt', localConcurrency: LC, workerConcurrency: WC },
  summary,
  rows,
}, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
