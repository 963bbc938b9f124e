// The bench pipeline end to end: N prompts × K samples through `tenet bench` (sample → judge → store) against
// the loopback model server in a separate process, and the same workload through promptfoo.
//
//   node benchmarks/pipeline/run.ts [--prompts 2000] [--k 4] [--concurrency 32] [--latency 50] [--judge local-fast]
//                              [--providers openai,anthropic] [--promptfoo /tmp/pf/node_modules/.bin/promptfoo]
//                              [--no-promptfoo] [--runs 1] [--out benchmarks/pipeline/results.json]
//
// Each tool runs as its own process under /usr/bin/time -v (wall time, user + sys CPU, peak RSS).
// See benchmarks/pipeline/README.md for what is measured and the results.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { compiledCli } from '../compiled-cli.ts';

const { values: opts } = parseArgs({
  options: {
    prompts: { type: 'string', default: '2000' },
    k: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '32' },
    latency: { type: 'string', default: '50' },
    judge: { type: 'string', default: 'local-fast' },
    providers: { type: 'string', default: 'openai,anthropic' },
    promptfoo: { type: 'string', default: '/tmp/pf/node_modules/.bin/promptfoo' },
    'no-promptfoo': { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname },
  },
});
const N = Number(opts.prompts);
const K = Number(opts.k);
const C = Number(opts.concurrency);
const LATENCY = Number(opts.latency);
const RUNS = Number(opts.runs);
const here = (f: string): string => new URL(f, import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tenet-pipeline-'));

// ---- the workload: N story openings (the built-in Value Compass set, cycled), ids unique ----
const openings = readFileSync(here('../../data/prompts/valuecompass-mft.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; foundation: string });
const rows = Array.from({ length: N }, (_, i) => ({ id: `pipe-${i}`, prompt: openings[i % openings.length]!.prompt, foundation: openings[i % openings.length]!.foundation }));
const promptFile = join(work, 'prompts.jsonl');
writeFileSync(promptFile, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);

// ---- the loopback server, in its own process ----
const server = spawn(process.execPath, [here('./server.ts'), String(LATENCY)], { stdio: ['pipe', 'pipe', 'inherit'] });
const serverLines = createInterface({ input: server.stdout! });
const nextLine = (): Promise<string> => new Promise((resolve) => serverLines.once('line', resolve));
const url = await nextLine();
async function requestCount(): Promise<number> {
  const line = nextLine();
  server.stdin!.write('count\n');
  return Number(await line);
}

interface Measured {
  wallS: number;
  userS: number;
  sysS: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
  code: number | null;
  /** Seconds after spawn at which each watched stderr pattern first appeared. */
  marks: Record<string, number>;
}

/** The resource columns of a result row: CPU, CPU per 1,000 calls and samples, peak RSS, load. */
function resources(m: Measured, calls: number) {
  return {
    userS: m.userS,
    sysS: m.sysS,
    cpuMsPer1000Calls: round(((m.userS + m.sysS) * 1000 * 1000) / calls, 0),
    cpuMsPer1000Samples: round(((m.userS + m.sysS) * 1000 * 1000) / (N * K), 0),
    peakRssMb: m.peakRssMb,
    loadAvg1m: round(loadavg()[0]!),
  };
}

/** Run a command under /usr/bin/time -v; note when stderr lines matching `watch` first appear. */
function measure(cmd: string[], env: Record<string, string>, watch: Record<string, RegExp> = {}): Promise<Measured> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-v', ...cmd], { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work, ...env } });
    let stdout = '';
    let stderr = '';
    const marks: Record<string, number> = {};
    child.stdout.on('data', (d) => (stdout += d));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      for (const [name, re] of Object.entries(watch)) if (marks[name] === undefined && re.test(line)) marks[name] = (performance.now() - started) / 1000;
    });
    child.on('close', (code) => {
      const wallS = (performance.now() - started) / 1000;
      const num = (re: RegExp): number => Number(re.exec(stderr)?.[1] ?? Number.NaN);
      resolve({
        wallS,
        userS: num(/User time \(seconds\): ([\d.]+)/),
        sysS: num(/System time \(seconds\): ([\d.]+)/),
        peakRssMb: Math.round(num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024),
        stdout,
        stderr,
        code,
        marks,
      });
    });
  });
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

interface Row {
  /** 1-based repetition. */
  run: number;
  tool: string;
  provider: string;
  judge: string;
  /** HTTP requests the server received. */
  calls: number;
  samples: number;
  /** Whole process, start to exit (includes start-up and, for tenet, computing the metrics). */
  processWallS: number;
  /** tenet only: from the run being opened to the last unit stored (the sample → judge → store pipeline). */
  pipelineWallS: number | null;
  /** N·K·latency / concurrency: every sample its own call. */
  idealSeparateCallsS: number;
  /** N·latency / concurrency: the K samples in one call (what the OpenAI provider does, with n = K). */
  idealOneCallPerPromptS: number | null;
  /** ideal for what this row actually did ÷ pipeline (or process) wall. */
  efficiency: number;
  userS: number;
  sysS: number;
  cpuMsPer1000Calls: number;
  cpuMsPer1000Samples: number;
  peakRssMb: number;
  /** 1-minute load average when the row finished (the machine is shared). */
  loadAvg1m: number;
  notes: string;
}

const rowsOut: Row[] = [];
const startup: { tool: string; processWallS: number; userS: number; sysS: number; peakRssMb: number }[] = [];
const idealSeparate = (N * K * LATENCY) / 1000 / C;
const idealOneCall = (N * LATENCY) / 1000 / C;

// A one-prompt file, to measure each tool's fixed start-up cost (process start, loading, store/judge set-up).
const onePromptFile = join(work, 'one-prompt.jsonl');
writeFileSync(onePromptFile, `${JSON.stringify(rows[0])}\n`);

// ---- tenet bench ----
const config = join(work, 'tenet.config.yaml');
writeFileSync(config, [
  'cache: false',
  'providers:',
  `  openai: {baseUrl: "${url}/v1", concurrency: ${C}}`,
  `  anthropic: {baseUrl: "${url}", concurrency: ${C}}`,
  `  ollama: {baseUrl: "${url}", concurrency: ${C}}`,
].join('\n'));
let dbCounter = 0;
const cli = compiledCli();
const tenetArgs = (provider: string, file: string): string[] =>
  [process.execPath, cli, '--config', config, '--db', join(work, `tenet-${provider}-${dbCounter++}.db`), 'bench', '--models', `${provider}:pipe-model`,
    '--prompts', file, '--samples', String(K), '--judge', opts.judge!, '--concurrency', String(C), '--no-cache', '--json'];

async function runTenet(provider: string, run: number): Promise<void> {
  const before = await requestCount();
  const m = await measure(tenetArgs(provider, promptFile), {}, { start: /^bench run /, done: new RegExp(`\\[bench\\] ${N}/${N} 100%`) });
  const calls = (await requestCount()) - before;
  if (m.code !== 0) {
    process.stderr.write(m.stderr);
    throw new Error(`tenet bench (${provider}) exited ${m.code}`);
  }
  const out = JSON.parse(m.stdout);
  const overall = out.models[0].metrics.overall;
  if (overall.samples !== N * K || out.failures !== 0) throw new Error(`tenet bench (${provider}) stored ${overall.samples} samples, ${out.failures} failures`);
  const pipeline = (m.marks.done ?? m.wallS) - (m.marks.start ?? 0);
  const oneCall = calls === N;
  const ideal = oneCall ? idealOneCall : idealSeparate;
  rowsOut.push({
    run,
    tool: 'tenet bench',
    provider,
    judge: `${out.judge.id}@${out.judge.version}`,
    calls,
    samples: N * K,
    processWallS: round(m.wallS),
    pipelineWallS: round(pipeline),
    idealSeparateCallsS: round(idealSeparate),
    idealOneCallPerPromptS: oneCall ? round(idealOneCall) : null,
    efficiency: round(ideal / pipeline, 3),
    ...resources(m, calls),
    notes: `${oneCall ? `K = ${K} samples in one call (n = ${K})` : `K = ${K} calls per prompt`}; judge, SQLite store and metrics (bootstrap CIs) included; EVR ${overall.evr}`,
  });
  console.log(JSON.stringify(rowsOut.at(-1)));
}

// ---- promptfoo: same server, same prompts, -j C, --repeat K, cheapest assertion ----
const promptfoo = opts.promptfoo!;
let promptfooNote = '';
if (opts['no-promptfoo']) promptfooNote = 'skipped (--no-promptfoo)';
else if (!existsSync(promptfoo)) promptfooNote = `not run: ${promptfoo} does not exist (install with npm install --prefix /tmp/pf promptfoo)`;
const instruction = readFileSync(here('../../prompts/bench/continue.v1.md'), 'utf8').trim();
function promptfooConfig(name: string, tests: typeof rows): string {
  const file = join(work, name);
  // YAML is a superset of JSON: write the config as JSON.
  writeFileSync(file, JSON.stringify({
    description: 'tenet benchmarks/pipeline comparison',
    prompts: [{ id: 'continue', raw: `[{"role": "system", "content": ${JSON.stringify(instruction)}}, {"role": "user", "content": {{ prompt | dump }}}]` }],
    providers: [{ id: 'openai:chat:pipe-model', config: { apiBaseUrl: `${url}/v1`, apiKey: 'test', temperature: 1, max_tokens: 128 } }],
    defaultTest: { assert: [{ type: 'contains', value: 'the' }] },
    tests: tests.map((r) => ({ vars: { prompt: r.prompt } })),
  }));
  return file;
}
const pfEnv = { PROMPTFOO_DISABLE_TELEMETRY: '1', PROMPTFOO_DISABLE_UPDATE: '1', PROMPTFOO_CONFIG_DIR: join(work, 'promptfoo-home'), OPENAI_API_KEY: 'test' };
const pfArgs = (file: string): string[] =>
  [process.execPath, promptfoo, 'eval', '-c', file, '-j', String(C), '--repeat', String(K), '--no-cache', '--no-table', '--no-progress-bar', '--no-write', '--no-share'];
const pfFull = promptfooNote ? '' : promptfooConfig('promptfooconfig.yaml', rows);

async function runPromptfoo(run: number): Promise<void> {
  const before = await requestCount();
  const m = await measure(pfArgs(pfFull), pfEnv);
  const calls = (await requestCount()) - before;
  const summary = /([\d,]+) passed[\s\S]*?([\d,]+) failed[\s\S]*?([\d,]+) errors?/.exec(m.stdout + m.stderr);
  const ownDuration = /Duration: ([^\n(]+)/.exec(m.stdout + m.stderr)?.[1]?.trim();
  if (m.code !== 0 && m.code !== 100) {
    promptfooNote = `promptfoo exited ${m.code}: ${(m.stderr + m.stdout).slice(-2000)}`;
    return;
  }
  rowsOut.push({
    run,
    tool: 'promptfoo eval',
    provider: 'openai:chat',
    judge: 'contains assertion',
    calls,
    samples: N * K,
    processWallS: round(m.wallS),
    pipelineWallS: null,
    idealSeparateCallsS: round(idealSeparate),
    idealOneCallPerPromptS: null,
    efficiency: round(idealSeparate / m.wallS, 3),
    ...resources(m, calls),
    notes: `-j ${C} --repeat ${K} --no-cache --no-write; ${summary ? `${summary[1]} passed, ${summary[2]} failed, ${summary[3]} errors` : 'summary not found'}; promptfoo's own duration line: ${ownDuration ?? '?'}; efficiency from process wall time`,
  });
  console.log(JSON.stringify(rowsOut.at(-1)));
}

// start-up cost: one prompt × K
{
  const t = await measure(tenetArgs('openai', onePromptFile), {});
  startup.push({ tool: 'tenet bench (1 prompt)', processWallS: round(t.wallS), userS: t.userS, sysS: t.sysS, peakRssMb: t.peakRssMb });
  if (!promptfooNote) {
    const p = await measure(pfArgs(promptfooConfig('promptfoo-one.yaml', rows.slice(0, 1))), pfEnv);
    startup.push({ tool: 'promptfoo eval (1 prompt)', processWallS: round(p.wallS), userS: p.userS, sysS: p.sysS, peakRssMb: p.peakRssMb });
  }
  console.log(JSON.stringify({ startup }));
}

for (let run = 1; run <= RUNS; run++) {
  for (const provider of opts.providers!.split(',').filter(Boolean)) await runTenet(provider, run);
  if (!promptfooNote) await runPromptfoo(run);
}

/** The median row of each tool × provider over the runs (by wall time). */
const medians = [...new Set(rowsOut.map((r) => `${r.tool}|${r.provider}`))].map((key) => {
  const group = rowsOut.filter((r) => `${r.tool}|${r.provider}` === key).sort((a, b) => (a.pipelineWallS ?? a.processWallS) - (b.pipelineWallS ?? b.processWallS));
  return group[Math.floor((group.length - 1) / 2)]!;
});

server.kill('SIGTERM');
let promptfooVersion: string | null = null;
try {
  promptfooVersion = JSON.parse(readFileSync(join(promptfoo, '../../promptfoo/package.json'), 'utf8')).version;
} catch {
  promptfooVersion = null;
}
const result = {
  benchmark: 'bench-pipeline',
  date: new Date().toISOString(),
  machine: { cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, shared: 'CPU shared with other work; numbers vary run to run' },
  workload: { prompts: N, k: K, concurrency: C, latencyMs: LATENCY, judge: opts.judge, runs: RUNS, promptfoo: promptfooVersion },
  ideal: { separateCallsS: round(idealSeparate), oneCallPerPromptS: round(idealOneCall) },
  startup,
  medians,
  rows: rowsOut,
  ...(promptfooNote ? { promptfoo: promptfooNote } : {}),
};
writeFileSync(opts.out!, `${JSON.stringify(result, null, 2)}\n`);
console.log(`results written to ${opts.out}${promptfooNote ? `\npromptfoo: ${promptfooNote}` : ''}`);
