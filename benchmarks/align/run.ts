// `tenet align vilmo` end to end: 100 prompts × K = 4 × 6 methods against the loopback server (its own process,
// 50 ms per request), with wall time and model calls per stage and per arm, against the ideal for the calls made.
//
//   node benchmarks/align/run.ts [--prompts 100] [--k 4] [--candidates 4] [--rounds 2] [--concurrency 8,32]
//                                [--latency 50] [--judge local-fast] [--runs 1] [--units-per-slot 2]
//                                [--out benchmarks/align/results.json]
//
// --concurrency is the endpoints' concurrency: the most model calls in flight, enforced by tenet's client and
// checked against the server's peak. tenet works on --units-per-slot × that many units at once, so that judging
// and storing a finished unit overlaps with the next call instead of leaving its call slot idle.
// The ideal for the calls made: every call goes through the one endpoint limiter (⌈calls / C⌉ × latency), and
// VILMO's chain needs its steps one after another (its critical path); the ideal is the larger. Also reported:
// the stages one after another (the sum of ⌈u / C⌉ × latency), the schedule tenet had before its chains ran at
// once. See benchmarks/align/RESULTS.md.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { storyPrompts } from '../../test/align/vilmo-world.ts';
import { compiledCli } from '../compiled-cli.ts';

const { values: opts } = parseArgs({
  options: {
    prompts: { type: 'string', default: '100' },
    k: { type: 'string', default: '4' },
    candidates: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '8,32' },
    latency: { type: 'string', default: '50' },
    judge: { type: 'string', default: 'local-fast' },
    runs: { type: 'string', default: '1' },
    'units-per-slot': { type: 'string', default: '2' },
    out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname },
  },
});
const N = Number(opts.prompts);
const LEVELS = opts.concurrency!.split(',').map(Number).sort((a, b) => a - b); // ascending: the server's peak so far bounds each level
const UNITS_PER_SLOT = Number(opts['units-per-slot']);
const LATENCY = Number(opts.latency);
const here = (f: string): string => new URL(f, import.meta.url).pathname;
const cli = compiledCli();
const work = mkdtempSync(join(tmpdir(), 'tenet-align-bench-'));
const promptFile = join(work, 'stories.jsonl');
writeFileSync(promptFile, `${storyPrompts(N).map((p) => JSON.stringify(p)).join('\n')}\n`);

const server = spawn(process.execPath, [here('./server.ts'), String(LATENCY)], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: server.stdout! });
const nextLine = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
const url = await nextLine();
async function counts(): Promise<{ total: number; byModel: Record<string, number>; peakInFlight: number }> {
  const line = nextLine();
  server.stdin!.write('count\n');
  return JSON.parse(await line);
}
function configFor(c: number): string {
  const file = join(work, `tenet-${c}.config.yaml`);
  writeFileSync(file, ['endpoints:', ...['target', 'gen', 'judge'].map((m) => `  ${m}: {provider: openai, baseUrl: "${url}/v1", model: ${m}, concurrency: ${c}}`)].join('\n'));
  return file;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

interface Stage { label: string; kind: string; units: number; done: number; skipped: number; failed: number; atMs: number; ms: number }

function runOnce(db: string, C: number): Promise<{ wallS: number; userS: number; sysS: number; peakRssMb: number; out: any; stderr: string; code: number | null }> {
  const args = ['-v', process.execPath, cli, '--config', configFor(C), '--db', db, 'align', 'vilmo', '--target', 'target', '--generator', 'gen',
    '--judge', opts.judge!, '--prompts', promptFile, '--samples', opts.k!, '--candidates', opts.candidates!, '--rounds', opts.rounds!, '--concurrency', String(C * UNITS_PER_SLOT), '--no-cache', '--json'];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', args, { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const num = (re: RegExp): number => Number(re.exec(stderr)?.[1] ?? Number.NaN);
      let out: any = null;
      try {
        out = JSON.parse(stdout);
      } catch {
        out = null;
      }
      resolve({ wallS: (performance.now() - started) / 1000, userS: num(/User time \(seconds\): ([\d.]+)/), sysS: num(/System time \(seconds\): ([\d.]+)/), peakRssMb: Math.round(num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024), out, stderr, code });
    });
  });
}

/** Which of the run's three chains a stage belongs to (they run at once). */
function chainOf(stage: Stage): 'vilmo' | 'ape' | 'untrained arms and self-critique' {
  if (stage.label.startsWith('ape') || stage.label.startsWith('evaluation: ape ')) return 'ape';
  if (stage.label.startsWith('vilmo') || stage.label.startsWith('evaluation: vilmo ')) return 'vilmo';
  return 'untrained arms and self-critique';
}

/**
 * VILMO's chain at full concurrency: per round, its two generator stages together, then validation with the
 * candidates' scoring together; then the test instructions and their evaluation.
 */
function criticalPath(stages: readonly { label: string; chain: string; calls: number }[], waves: (calls: number) => number): number {
  const steps = new Map<string, number>();
  for (const s of stages.filter((x) => x.chain === 'vilmo')) {
    const round = /^vilmo round (\d+): (validation instructions|candidates|validation|scoring)/.exec(s.label);
    const step = round ? `${round[1]}:${round[2] === 'validation instructions' || round[2] === 'candidates' ? 'generate' : 'score'}` : s.label;
    steps.set(step, (steps.get(step) ?? 0) + s.calls);
  }
  return [...steps.values()].reduce((a, calls) => a + waves(calls), 0);
}

const rows = [];
for (const C of LEVELS) for (let run = 1; run <= Number(opts.runs); run++) {
  const before = await counts();
  const r = await runOnce(join(work, `run-${C}-${run}.db`), C);
  const after = await counts();
  if (r.code !== 0 || !r.out) throw new Error(`tenet align vilmo failed (${r.code}): ${r.stderr.slice(-2000)}`);
  if (after.peakInFlight > C) throw new Error(`the server saw ${after.peakInFlight} requests at once, more than the endpoints' concurrency ${C}`);
  const stages: Stage[] = r.out.stages;
  const waves = (calls: number): number => (Math.ceil(calls / C) * LATENCY) / 1000;
  const stageRows = stages.map((s) => ({ label: s.label, chain: chainOf(s), calls: s.done, atS: round(s.atMs / 1000, 3), wallS: round(s.ms / 1000, 3), idealS: round(waves(s.done), 3) }));
  const stageCalls = stageRows.reduce((a, s) => a + s.calls, 0);
  const span = Math.max(...stages.map((s) => s.atMs + s.ms)) / 1000 - Math.min(...stages.map((s) => s.atMs)) / 1000;
  // the stages one after another, as tenet ran them before the chains ran at once
  const idealSequential = stageRows.reduce((a, s) => a + s.idealS, 0);
  // any schedule: every call through the one endpoint limiter, and VILMO's chain step after step
  const workBound = waves(stageCalls);
  const critical = criticalPath(stageRows, waves);
  const ideal = Math.max(workBound, critical);
  const perChain: Record<string, { calls: number; startS: number; endS: number }> = {};
  for (const s of stageRows) {
    const x = (perChain[s.chain] ??= { calls: 0, startS: Infinity, endS: 0 });
    x.calls += s.calls;
    x.startS = Math.min(x.startS, s.atS);
    x.endS = round(Math.max(x.endS, s.atS + s.wallS), 3);
  }
  const calls = after.total - before.total;
  rows.push({
    run,
    prompts: N,
    k: Number(opts.k),
    candidates: Number(opts.candidates),
    rounds: Number(opts.rounds),
    methods: 6,
    concurrency: C,
    unitsAtOnce: C * UNITS_PER_SLOT,
    serverPeakInFlight: after.peakInFlight,
    latencyMs: LATENCY,
    judge: opts.judge,
    split: r.out.split,
    httpCalls: calls,
    callsByModel: Object.fromEntries(Object.keys(after.byModel).map((m) => [m, after.byModel[m]! - (before.byModel[m] ?? 0)])),
    stageCalls,
    processWallS: round(r.wallS),
    stagesSpanS: round(span),
    idealS: round(ideal),
    workBoundS: round(workBound),
    criticalPathS: round(critical),
    idealSequentialS: round(idealSequential),
    ofIdeal: round(ideal / span, 3),
    ofIdealProcess: round(ideal / r.wallS, 3),
    ofIdealSequentialProcess: round(idealSequential / r.wallS, 3),
    perChain,
    stages: stageRows,
    userS: r.userS,
    sysS: r.sysS,
    peakRssMb: r.peakRssMb,
    loadAvg1m: round(loadavg()[0]!),
    vilmoVsNone: r.out.paired.filter((p: any) => p.b === 'vilmo').map((p: any) => ({ metric: p.metric, difference: p.difference, ci: p.ci, p_holm: p.p_holm })),
  });
  const last = rows.at(-1)!;
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  process.stderr.write(`concurrency ${C}, run ${run}: ${last.httpCalls} calls, stages ${last.stagesSpanS} s and process ${last.processWallS} s vs ideal ${last.idealS} s (${pct(last.ofIdeal)}, ${pct(last.ofIdealProcess)}); vs the stages one after another ${last.idealSequentialS} s: process ${pct(last.ofIdealSequentialProcess)}\n`);
}
server.kill('SIGTERM');
writeFileSync(opts.out!, `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version }, rows }, null, 2)}\n`);
process.stderr.write(`wrote ${opts.out}\n`);
