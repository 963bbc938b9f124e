import { availableParallelism } from 'node:os';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { TenetError } from '../errors.ts';
import { abortError } from './limits.ts';

/**
 * node-llama-cpp, loaded lazily: one runtime per process, each GGUF file loaded once and shared by every
 * Provider and Encoder that names it. node-llama-cpp is an optional install (`npm run fetch-models` installs
 * the pinned 3.22.1), so its types are declared here by shape rather than imported.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type Llama = any;
type LlamaModel = any;
type LlamaModule = any;
export type LlamaSequence = any;

export interface LlamaSettings {
  /** CPU threads per evaluation. Default: `defaultThreads()`, half the cores, at least 1 (see there for the measurement). */
  threads?: number;
  /** Tokens of context per sequence (default 4096, capped at the model's training context). */
  contextSize?: number;
  /** Parallel sequences in the shared context: how many requests one loaded model serves at once (default 4). */
  sequences?: number;
  /** GPU backend: 'auto' (default: use one if present, else the CPU), 'cuda', 'vulkan', 'metal' or false (CPU only). */
  gpu?: 'auto' | 'cuda' | 'vulkan' | 'metal' | false;
}

/**
 * Half the cores, at least 1: on the project's 2-core machine, 1 thread. Measured there, quiet, 4 rounds
 * each (benchmarks/local-models, "Threads by measurement", 2026-12-07): 2 threads nearly double batch
 * evaluation (SmolLM2 577–621 → 1,056–1,271 tokens/s; Gemma 3 317–364 → 584–608) but generation, what tenet
 * mostly does, gains for Gemma 3 only some of the time (31–33 → 28–46 tokens/s) and drops for SmolLM2 in
 * every round (69–78 → 4–61), and scoring and the encoder change by at most 22%. With another process
 * running (a `tsc`, load 2–5), 2 threads lose in 6 of 7 cases: Gemma 3 generation 32 → 2.4
 * tokens/s, the encoder 42 → 8 sentences/s. llama.cpp's threads wait for each other at every step, so with
 * every core given to them any other runnable thread (Node's own, which drives each generated token, the
 * judge's worker threads, another process) stalls them all. Hence: leave cores free. Only 2 cores were
 * measured; on larger machines half the cores is the same rule, not a measured optimum: `tenet doctor
 * --speed` measures the machine at hand and `providers.llamacpp.threads` overrides the default.
 */
export function defaultThreads(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

let modulePromise: Promise<LlamaModule> | undefined;
const runtimes = new Map<string, Promise<Llama>>();
const models = new Map<string, Promise<LlamaModel>>();

async function importLlama(): Promise<LlamaModule> {
  const name = 'node-llama-cpp';
  modulePromise ??= import(name).catch((error: unknown) => {
    modulePromise = undefined;
    throw new TenetError('MISSING_DEPENDENCY', 'local GGUF models need the optional package node-llama-cpp, which is not installed', {
      hint: 'run `npm install node-llama-cpp@3.22.1` (or `npm run fetch-models` in a tenet checkout), or serve the model with llama-server and use openai-compatible:MODEL@http://127.0.0.1:8080/v1',
      cause: error,
    });
  });
  return modulePromise;
}

async function runtime(gpu: LlamaSettings['gpu']): Promise<Llama> {
  const key = String(gpu ?? 'auto');
  let llama = runtimes.get(key);
  if (!llama) {
    llama = importLlama().then((m) => m.getLlama({
      gpu: gpu ?? 'auto',
      build: 'never', // never download or compile llama.cpp at run time: use the prebuilt binaries
      logLevel: process.env.TENET_DEBUG ? 'warn' : 'error',
    })).catch((error: unknown) => {
      runtimes.delete(key);
      if (error instanceof TenetError) throw error;
      throw new TenetError('MISSING_DEPENDENCY', `node-llama-cpp has no usable llama.cpp binary here: ${(error as Error).message}`, {
        hint: 'node-llama-cpp ships prebuilt binaries for Linux, macOS and Windows on x64 and arm64; elsewhere build one with `npx node-llama-cpp source build`',
        cause: error,
      });
    });
    runtimes.set(key, llama);
  }
  return llama;
}

/** A clear error for a path that is missing, not a file, or not GGUF, before llama.cpp sees it. */
function checkGguf(path: string): void {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new TenetError('NOT_FOUND', `GGUF model file not found: ${path}`, {
      location: { file: path },
      hint: 'give the path to a .gguf file (llamacpp:./models/model.gguf), or a name of a fetched model after `npm run fetch-models` (llamacpp:smollm2-135m-instruct-q4_1)',
    });
  }
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== 'GGUF') {
    throw new TenetError('BAD_INPUT', `${path} is not a GGUF file (it does not start with the GGUF magic bytes)`, {
      location: { file: path },
      hint: 'download the model as .gguf, or convert it with llama.cpp\'s convert_hf_to_gguf.py',
    });
  }
}

/** The loaded model for a GGUF file, loading it on first use (concurrent callers share one load). */
export async function loadLlamaModel(path: string, gpu: LlamaSettings['gpu']): Promise<{ llama: Llama; model: LlamaModel }> {
  checkGguf(path);
  const llama = await runtime(gpu);
  const key = `${String(gpu ?? 'auto')}\u0000${path}`;
  let model = models.get(key);
  if (!model) {
    model = Promise.resolve(llama.loadModel({ modelPath: path })).catch((error: unknown) => {
      models.delete(key);
      throw new TenetError('BAD_INPUT', `llama.cpp could not load ${path}: ${(error as Error).message}`, {
        location: { file: path },
        hint: 'the file may be truncated or corrupt, or use an architecture this llama.cpp build does not know; fetch it again (scripts/fetch-models checks SHA-256 hashes)',
        cause: error,
      });
    });
    models.set(key, model);
  }
  return { llama, model: await model };
}

/**
 * The text of each token, such that the pieces join to the model's own decode of all of them. Byte-level BPE
 * (SmolLM2) and byte-fallback (Gemma) vocabularies split a multi-byte character (é, 東, 🙂) across tokens,
 * and a token that ends inside one decodes on its own to U+FFFD; here such a token gets '' and the token
 * that completes the character gets the whole of it. A U+FFFD that remains is in the model's own decode
 * (bytes that never form a character). Each piece is decoded after the tokens before it, as node-llama-cpp's
 * LlamaChat does when it streams, so leading spaces come out as in the full decode.
 */
export function tokenTexts(model: LlamaModel, tokens: readonly number[]): string[] {
  const pieces: string[] = [];
  let start = 0; // the first token whose text is not out yet
  for (let i = 0; i < tokens.length; i++) {
    const text: string = model.detokenize(tokens.slice(start, i + 1), false, tokens.slice(Math.max(0, start - 8), start));
    if (text.endsWith('\uFFFD') && i + 1 < tokens.length) {
      pieces.push('');
      continue;
    }
    pieces.push(text);
    start = i + 1;
  }
  return pieces;
}

/**
 * A fixed pool of context sequences over one shared context: requests borrow a sequence, and wait (in
 * order, abortably) when all are busy. A returned sequence has its history cleared.
 */
export class SequencePool {
  private readonly free: LlamaSequence[];
  private readonly waiting: { resolve: (s: LlamaSequence) => void; reject: (e: unknown) => void; signal: AbortSignal | undefined }[] = [];

  constructor(context: any) {
    this.free = Array.from({ length: context.totalSequences }, () => context.getSequence());
  }

  async use<T>(signal: AbortSignal | undefined, fn: (sequence: LlamaSequence) => Promise<T>): Promise<T> {
    const sequence = await this.acquire(signal);
    try {
      return await fn(sequence);
    } finally {
      await sequence.clearHistory();
      const next = this.waiting.shift();
      if (next) next.resolve(sequence);
      else this.free.push(sequence);
    }
  }

  private acquire(signal: AbortSignal | undefined): Promise<LlamaSequence> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const sequence = this.free.pop();
    if (sequence) return Promise.resolve(sequence);
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, signal };
      this.waiting.push(entry);
      signal?.addEventListener('abort', () => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) {
          this.waiting.splice(at, 1);
          reject(abortError(signal));
        }
      }, { once: true });
    });
  }
}

const pools = new Map<string, Promise<SequencePool>>();

/** The shared generation context of a model (one per file and settings), as a pool of sequences. */
export async function sequencePool(path: string, settings: LlamaSettings): Promise<{ module: LlamaModule; llama: Llama; model: LlamaModel; pool: SequencePool }> {
  const { llama, model } = await loadLlamaModel(path, settings.gpu);
  const module = await importLlama();
  const threads = settings.threads ?? defaultThreads();
  const contextSize = Math.min(settings.contextSize ?? 4096, model.trainContextSize ?? Number.MAX_SAFE_INTEGER);
  const key = JSON.stringify([path, settings.gpu ?? 'auto', threads, contextSize, settings.sequences ?? 4]);
  let pool = pools.get(key);
  if (!pool) {
    pool = Promise.resolve(model.createContext({ threads, contextSize, sequences: settings.sequences ?? 4 }))
      .then((context) => new SequencePool(context))
      .catch((error: unknown) => {
        pools.delete(key);
        throw new TenetError('PROVIDER', `llama.cpp could not create a context for ${path}: ${(error as Error).message}`, {
          hint: 'lower contextSize or sequences for llamacpp in tenet.config.yaml (memory grows with both)',
          cause: error,
        });
      });
    pools.set(key, pool);
  }
  return { module, llama, model, pool: await pool };
}

/** How many GGUF files this process holds loaded (each is loaded once, however many Providers use it). */
export function loadedLlamaModelCount(): number {
  return models.size;
}

/** Free every loaded model and context (tests and long-lived processes that are done with local models). */
export async function unloadLlamaModels(): Promise<void> {
  const all = [...models.values()];
  pools.clear();
  models.clear();
  await Promise.all(all.map((m) => m.then((model) => model.dispose(), () => undefined)));
}
