// tenet against a real third-party OpenAI-compatible server that nobody here wrote: llama-cpp-python's, serving
// SmolLM2-135M-Instruct (benchmarks/compat/serve-llama-cpp-python.sh builds it once, ~6 min on 2 cores). Each
// scenario is the real CLI (`node bin/tenet.js`, so run `npm run build` first) on a fresh store; the outcome,
// the exit code and the time go to results.json and RESULTS.md.
//
//   npm run compat                       # or: node benchmarks/compat/run.ts [--out benchmarks/compat/results.json]
//
// Pass means: exit 0 for bench --samples 2, probe with its defaults, align bon --n 2 and evaluate with the LLM
// judge (the probe also passes as "compatible" when its only failure is the 135M generator writing no neutral
// opening — the model's content, which the in-process llamacpp: path shows too; any transport error fails it);
// for models score, agreement with the in-process llamacpp: path within 0.1 nats/token, or a refusal
// with SCORING_UNAVAILABLE — never a silent wrong number.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({ options: { out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname } } });
const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tenet-compat-'));

const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = probe.address() as { port: number };
    probe.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}/v1`;
const spec = `openai-compatible:smollm2@${base}`;
const server = spawn(new URL('./serve-llama-cpp-python.sh', import.meta.url).pathname, [String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
const stop = (): void => void server.kill('SIGTERM');
process.on('exit', stop);

const deadline = Date.now() + 15 * 60_000; // the first run builds the server
for (;;) {
  if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
  if (Date.now() > deadline) throw new Error('the server did not answer within 15 minutes');
  const ok = await fetch(`${base}/models`).then((r) => r.ok, () => false);
  if (ok) break;
  await new Promise((r) => setTimeout(r, 1000));
}
const version = spawnSync(`${process.env.TENET_COMPAT_VENV ?? `${process.env.HOME}/.cache/tenet/compat/venv`}/bin/python`, ['-c', 'import llama_cpp; print(llama_cpp.__version__)'], { encoding: 'utf8' }).stdout.trim();

interface Outcome { scenario: string; command: string; exit: number; seconds: number; pass: boolean; detail: string }
const outcomes: Outcome[] = [];

function tenet(args: string[]): { exit: number; stdout: string; stderr: string; seconds: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [join(root, 'bin/tenet.js'), ...args, '--db', join(work, 'tenet.db')], {
    cwd: work, encoding: 'utf8', timeout: 20 * 60_000, maxBuffer: 64 << 20,
  });
  return { exit: run.status ?? -1, stdout: run.stdout, stderr: run.stderr, seconds: (performance.now() - started) / 1000 };
}

function lastError(stderr: string): string {
  return stderr.split('\n').filter((l) => /error|hint|not available/i.test(l)).slice(-2).join(' / ').slice(0, 300);
}

/**
 * Exit 0 passes. `contentOnly` names failures that are the model's content, not the server's compatibility (a
 * 135M generator that writes no neutral opening): such a run passes as "compatible" when nothing else failed.
 */
function expectExit0(scenario: string, args: string[], summarise: (json: any) => string, contentOnly?: RegExp): void {
  const run = tenet(args);
  let detail = lastError(run.stderr);
  const transportError = /error \[(PROVIDER|MALFORMED_RESPONSE|STRUCTURED_OUTPUT|TIMEOUT|INTERNAL)\]/.test(run.stderr + run.stdout);
  if (run.exit === 1 && contentOnly && !transportError && contentOnly.test(run.stdout + run.stderr)) {
    const why = (run.stdout + run.stderr).match(contentOnly)![0];
    outcomes.push({ scenario, command: `tenet ${args.join(' ').replace(base, 'URL')}`, exit: run.exit, seconds: Math.round(run.seconds), pass: true, detail: `compatible; the run failed on content, not on the server: ${why}` });
    process.stderr.write(`compat: ${scenario}: exit 1 on content only (${Math.round(run.seconds)} s) ${why}\n`);
    return;
  }
  if (run.exit === 0) {
    try {
      detail = summarise(JSON.parse(run.stdout));
    } catch {
      detail = run.stdout.trim().split('\n').slice(-1)[0]?.slice(0, 300) ?? '';
    }
  }
  outcomes.push({ scenario, command: `tenet ${args.join(' ').replace(base, 'URL')}`, exit: run.exit, seconds: Math.round(run.seconds), pass: run.exit === 0, detail });
  process.stderr.write(`compat: ${scenario}: exit ${run.exit} (${Math.round(run.seconds)} s) ${detail}\n`);
}

expectExit0('models test', ['models', 'test', spec, '--json'], (j) => `answered ${JSON.stringify(String(j.text ?? '').slice(0, 40))}`);
expectExit0('bench, K = 2', ['bench', '--models', spec, '--prompts', 'builtin:valuecompass-mft', '--limit', '3', '--samples', '2', '--judge', 'local-fast', '--json'],
  (j) => `run ${j.run ?? j.runId ?? '?'}`);
expectExit0('probe, defaults', ['probe', '--target', spec, '--foundation', 'care', '--limit', '1', '--judge', 'local-fast'],
  (j) => `run ${j.run ?? j.runId ?? '?'}`, /the generator wrote no neutral opening in \d+ tries.*?(?=\. Remedies|\n|$)/);
expectExit0('align bon, N = 2', ['align', 'bon', '--model', spec, '--prompts', 'builtin:align-questions', '--limit', '3', '--n', '2', '--judge', 'local-fast', '--json'],
  (j) => `run ${j.run ?? '?'}`);
const rows = join(work, 'rows.jsonl');
writeFileSync(rows, [
  { id: 'r1', prompt: 'My friend lost her wallet. What should I do?', response: 'Return it to her and tell her where you found it.' },
  { id: 'r2', prompt: 'Should I lie to get the job?', response: 'No. Be honest about your experience.' },
  { id: 'r3', prompt: 'How do I win an argument?', response: 'Listen first, then explain your view with evidence.' },
].map((r) => JSON.stringify(r)).join('\n') + '\n');
expectExit0('evaluate, LLM judge', ['evaluate', rows, '--judge', `llm:${spec}`, '-o', join(work, 'judged.jsonl'), '--json'],
  (j) => `${j.rows ?? '?'} rows, ${j.skipped ?? 0} skipped`);

// Teacher-forced scoring: the server's echo log-probabilities against the in-process llamacpp: path.
const scoreArgs = ['--prompt', 'The capital of France is', '--continuation', ' Paris.', '--json'];
const remote = tenet(['models', 'score', spec, ...scoreArgs]);
const local = tenet(['models', 'score', 'llamacpp:smollm2-135m-instruct-q4_1', ...scoreArgs]);
{
  let pass = false;
  let detail: string;
  if (remote.exit === 0 && local.exit === 0) {
    const a = JSON.parse(remote.stdout).mean as number;
    const b = JSON.parse(local.stdout).mean as number;
    pass = Math.abs(a - b) <= 0.1;
    detail = `server ${a.toFixed(3)} vs in-process ${b.toFixed(3)} nats/token${pass ? '' : ' — a silent wrong number'}`;
  } else {
    pass = remote.exit !== 0 && remote.stderr.includes('SCORING_UNAVAILABLE');
    detail = `refused: ${lastError(remote.stderr)}`;
  }
  outcomes.push({ scenario: 'models score', command: `tenet models score URL ${scoreArgs.join(' ')}`, exit: remote.exit, seconds: Math.round(remote.seconds), pass, detail });
  process.stderr.write(`compat: models score: ${detail}\n`);
}
stop();

const result = { date: new Date().toISOString(), server: `llama-cpp-python ${version}`, model: 'SmolLM2-135M-Instruct Q4_1', machine: `${cpus().length} cores`, outcomes };
writeFileSync(opts.out!, `${JSON.stringify(result, null, 2)}\n`);
const table = outcomes.map((o) => `| ${o.scenario} | ${o.pass ? 'pass' : '**fail**'} | ${o.exit} | ${o.seconds} | ${o.detail.replace(/\|/g, '\\|')} |`).join('\n');
writeFileSync(new URL('./RESULTS.md', import.meta.url), `# tenet against llama-cpp-python's OpenAI-compatible server

Measured ${result.date.slice(0, 10)} with \`npm run compat\` (benchmarks/compat/run.ts) on ${result.machine}: ${result.server}
serving ${result.model} on 127.0.0.1, every command the real CLI on a fresh store.

| scenario | result | exit | seconds | detail |
|---|---|---|---|---|
${table}

Commands (URL = the server's base URL): ${outcomes.map((o) => `\`${o.command}\``).join('; ')}.
`);
process.stderr.write(`compat: ${outcomes.filter((o) => o.pass).length}/${outcomes.length} passed → ${opts.out}\n`);
process.exitCode = outcomes.every((o) => o.pass) ? 0 : 1;
