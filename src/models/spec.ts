import { TenetError } from '../errors.ts';
import type { EndpointConfig, ProviderConfig, TenetConfig } from '../config.ts';
import { createAnthropicTransport } from './anthropic.ts';
import type { CacheBackend } from './cache.ts';
import { endpointCapabilities, type CapabilityBackend, type CapabilityOverrides } from './capabilities.ts';
import { createLimiter, type Limiter, type LimitSettings } from './limits.ts';
import { createLlamaCppTransport } from './llamacpp.ts';
import { localModelPath } from './local-files.ts';
import { createOllamaTransport } from './ollama.ts';
import { createOpenAITransport } from './openai.ts';
import { priceFor } from './pricing.ts';
import { createProvider } from './provider.ts';
import { DEFAULT_RETRY } from './retry.ts';
import type { Provider, ProviderKind, Transport } from './types.ts';

export const PROVIDER_KINDS: readonly ProviderKind[] = ['openai', 'anthropic', 'ollama', 'llamacpp'];

const DEFAULTS: Record<ProviderKind, { concurrency: number; timeoutMs: number; baseUrl?: string; keyEnv?: string; baseUrlEnv?: string }> = {
  openai: { concurrency: 8, timeoutMs: 120_000, baseUrl: 'https://api.openai.com/v1', keyEnv: 'OPENAI_API_KEY', baseUrlEnv: 'OPENAI_BASE_URL' },
  anthropic: { concurrency: 4, timeoutMs: 120_000, baseUrl: 'https://api.anthropic.com', keyEnv: 'ANTHROPIC_API_KEY', baseUrlEnv: 'ANTHROPIC_BASE_URL' },
  ollama: { concurrency: 2, timeoutMs: 600_000, baseUrl: 'http://127.0.0.1:11434', baseUrlEnv: 'OLLAMA_HOST' },
  llamacpp: { concurrency: 4, timeoutMs: 600_000 },
};

export interface ModelContext {
  config?: TenetConfig;
  /** The response cache (omit for none). */
  cache?: CacheBackend;
  /** Overrides every other base URL source (the CLI's --base-url). */
  baseUrl?: string;
  env?: Record<string, string | undefined>;
  /** Fail when a hosted API's key is missing (default true; `tenet doctor` only reports it). */
  requireKey?: boolean;
  /** Where what an endpoint supports is remembered between runs (the store); absent: this process only. */
  capabilityStore?: CapabilityBackend;
  /** Check the endpoint's capabilities again instead of using what was learned before (`tenet doctor --probe-endpoint`). */
  relearn?: boolean;
  /** What the model is for, named in its errors (`judge`, `generator`; default: a target model). */
  role?: 'target' | 'judge' | 'generator';
}

/** A spec resolved to everything needed to reach the model. */
export interface ResolvedSpec {
  spec: string;
  kind: ProviderKind;
  model: string;
  baseUrl: string | undefined;
  apiKey: string | undefined;
  keyEnv: string | undefined;
  limits: LimitSettings;
  timeoutMs: number;
  maxRetries: number | undefined;
  /** Capabilities forced in the configuration (the endpoint's over its provider's). */
  capabilities: CapabilityOverrides | undefined;
}

function normaliseOllamaHost(value: string): string {
  return /^https?:\/\//.test(value) ? value : `http://${value}`;
}

function specError(spec: string, why: string, config: TenetConfig | undefined): TenetError {
  const names = Object.keys(config?.endpoints ?? {});
  return new TenetError('BAD_USAGE', `cannot use model spec "${spec}": ${why}`, {
    hint: `use openai:MODEL, anthropic:MODEL, ollama:MODEL, llamacpp:PATH.gguf (or a fetched model's name), openai-compatible:MODEL@BASE_URL${names.length ? `, or a configured endpoint (${names.join(', ')})` : ', or an endpoint named in tenet.config.yaml'}`,
  });
}

/** Split `kind:rest`; Ollama tags keep their own colon (`ollama:llama3.1:8b`). */
function split(spec: string): [string, string] {
  const colon = spec.indexOf(':');
  return colon < 0 ? [spec, ''] : [spec.slice(0, colon), spec.slice(colon + 1)];
}

export function resolveSpec(spec: string, context: ModelContext = {}): ResolvedSpec {
  const { config, env = process.env } = context;
  const [head, rest] = split(spec.trim());
  let kind: ProviderKind;
  let model: string;
  let endpoint: EndpointConfig | undefined;
  let explicitBase: string | undefined;
  if (head === 'openai-compatible') {
    // MODEL@BASE_URL splits at the first `@` that starts a URL (`@http://`, `@https://`): a model name may
    // hold an `@`, and a base URL's credentials (`http://user:key@host`) hold one too.
    const at = rest.search(/@https?:\/\//i);
    if (at <= 0) throw specError(spec, 'openai-compatible specs look like openai-compatible:MODEL@http://host:port/v1', config);
    kind = 'openai';
    model = rest.slice(0, at);
    explicitBase = rest.slice(at + 1);
    if (!URL.canParse(explicitBase)) throw specError(spec, `its base URL "${explicitBase}" is not a URL`, config);
  } else if ((PROVIDER_KINDS as readonly string[]).includes(head)) {
    kind = head as ProviderKind;
    model = rest;
  } else if (config?.endpoints?.[head]) {
    endpoint = config.endpoints[head];
    kind = endpoint.provider;
    model = rest || endpoint.model;
  } else {
    throw specError(spec, `"${head}" is neither a provider nor a configured endpoint`, config);
  }
  if (!model) throw specError(spec, 'the model name is missing', config);

  const defaults = DEFAULTS[kind];
  const settings: ProviderConfig & Partial<EndpointConfig> = { ...config?.providers?.[kind], ...endpoint };
  const envBase = defaults.baseUrlEnv ? env[defaults.baseUrlEnv] : undefined;
  let baseUrl = kind === 'llamacpp' ? undefined
    : context.baseUrl ?? explicitBase ?? settings.baseUrl ?? (envBase ? (kind === 'ollama' ? normaliseOllamaHost(envBase) : envBase) : defaults.baseUrl);
  if (baseUrl) baseUrl = baseUrl.replace(/\/+$/, '');
  const keyEnv = settings.apiKeyEnv ?? defaults.keyEnv;
  const apiKey = keyEnv ? env[keyEnv] : undefined;
  const needsKey = (kind === 'openai' && baseUrl?.includes('api.openai.com')) || (kind === 'anthropic' && baseUrl?.includes('api.anthropic.com'));
  if (needsKey && !apiKey && context.requireKey !== false) {
    const role = context.role ?? 'target';
    const hints: Record<typeof role, string> = {
      target: `export ${keyEnv}=... (or point the spec at another server with --base-url)`,
      judge: `export ${keyEnv}=..., or give a judge on another server: --judge llm:openai-compatible:MODEL@http://localhost:8000/v1, or --judge llm:ENDPOINT for an endpoint in tenet.config.yaml (--base-url sets the target models' server, not the judge's)`,
      generator: `export ${keyEnv}=..., or give a generator on another server: --generator openai-compatible:MODEL@http://localhost:8000/v1, or an endpoint in tenet.config.yaml`,
    };
    const named = role === 'judge' ? `the judge llm:${spec}` : role === 'generator' ? `the generator ${spec}` : spec;
    throw new TenetError('PROVIDER_AUTH', `${named} needs an API key and ${keyEnv} is not set`, { hint: hints[role], details: { role } });
  }
  const canonical = endpoint ? spec : kind === 'llamacpp' ? `llamacpp:${model}` : `${kind}:${model}`;
  return {
    spec: canonical,
    kind,
    model,
    baseUrl,
    apiKey,
    keyEnv,
    limits: {
      concurrency: settings.concurrency ?? defaults.concurrency,
      ...(settings.rpm ? { rpm: settings.rpm } : {}),
      ...(settings.tpm ? { tpm: settings.tpm } : {}),
    },
    timeoutMs: settings.timeoutMs ?? defaults.timeoutMs,
    maxRetries: settings.maxRetries,
    capabilities: config?.providers?.[kind]?.capabilities || endpoint?.capabilities
      ? { ...config?.providers?.[kind]?.capabilities, ...endpoint?.capabilities }
      : undefined,
  };
}

function createTransport(r: ResolvedSpec, config: TenetConfig | undefined): Transport {
  switch (r.kind) {
    case 'openai':
      return createOpenAITransport({ model: r.model, baseUrl: r.baseUrl!, ...(r.apiKey ? { apiKey: r.apiKey } : {}) });
    case 'anthropic':
      return createAnthropicTransport({ model: r.model, baseUrl: r.baseUrl!, ...(r.apiKey ? { apiKey: r.apiKey } : {}) });
    case 'ollama':
      return createOllamaTransport({ model: r.model, baseUrl: r.baseUrl! });
    case 'llamacpp':
    {
      const local = config?.providers?.llamacpp;
      return createLlamaCppTransport({
        modelPath: localModelPath(r.model),
        sequences: r.limits.concurrency,
        ...(local?.threads ? { threads: local.threads } : {}),
        ...(local?.contextSize ? { contextSize: local.contextSize } : {}),
        ...(local?.gpu !== undefined ? { gpu: local.gpu } : {}),
      });
    }
  }
}

/** Endpoints share one limiter, however many Providers point at them. */
const limiters = new Map<string, Limiter>();

function limiterFor(r: ResolvedSpec): Limiter {
  const key = JSON.stringify([r.kind, r.baseUrl ?? r.model, r.limits]);
  let limiter = limiters.get(key);
  if (!limiter) limiters.set(key, (limiter = createLimiter(r.limits)));
  return limiter;
}

/** Turn a model spec into a ready Provider: `createModel('openai:gpt-4o-mini', {config, cache})`. */
export function createModel(spec: string, context: ModelContext = {}): Provider {
  const resolved = resolveSpec(spec, context);
  const retry = { ...DEFAULT_RETRY, ...context.config?.retry, ...(resolved.maxRetries !== undefined ? { maxRetries: resolved.maxRetries } : {}) };
  return createProvider({
    spec: resolved.spec,
    transport: createTransport(resolved, context.config),
    limiter: limiterFor(resolved),
    retry,
    timeoutMs: resolved.timeoutMs,
    price: priceFor(resolved.kind, resolved.model, resolved.baseUrl, context.config?.prices),
    ...(context.cache ? { cache: context.cache } : {}),
    capabilities: endpointCapabilities(
      { kind: resolved.kind, baseUrl: resolved.baseUrl, model: resolved.model },
      { backend: context.capabilityStore, overrides: resolved.capabilities, ...(context.relearn ? { fresh: true } : {}) },
    ),
  });
}
