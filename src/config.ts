import { existsSync } from 'node:fs';
import { z } from 'zod';
import { readDataFile, validateDataFile } from './datafile.ts';

const limits = {
  concurrency: z.number().int().positive().optional(),
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  maxRetries: z.number().int().min(0).optional(),
};

/**
 * What an endpoint supports, forced instead of learned (src/models/capabilities.ts): `nativeN` (one call draws
 * n samples), `jsonSchema` (how a JSON schema is asked for), `score` (trust, or never use, its echo scoring
 * without the sanity check), `streamUsage` (its streams carry token counts).
 */
const capabilities = z.strictObject({
  nativeN: z.boolean().optional(),
  jsonSchema: z.enum(['native', 'json_object', 'instructions']).optional(),
  score: z.boolean().optional(),
  streamUsage: z.boolean().optional(),
});

const providerSettings = z.strictObject({
  baseUrl: z.url().optional(),
  /** Name of the environment variable holding the API key. */
  apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
  capabilities: capabilities.optional(),
  ...limits,
});

/** Local GGUF models (node-llama-cpp); `concurrency` is also how many sequences the shared context holds. */
const llamaCppSettings = providerSettings.extend({
  threads: z.number().int().positive().max(256).optional(),
  contextSize: z.number().int().min(256).max(1_048_576).optional(),
  gpu: z.union([z.enum(['auto', 'cuda', 'vulkan', 'metal']), z.literal(false)]).optional(),
});

const endpoint = z.strictObject({
  provider: z.enum(['openai', 'anthropic', 'ollama', 'llamacpp']),
  model: z.string().min(1),
  baseUrl: z.url().optional(),
  apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
  capabilities: capabilities.optional(),
  ...limits,
});

export const configSchema = z.strictObject({
  /** The store: a SQLite path or a postgres:// URL. */
  db: z.string().min(1).optional(),
  /** Use the response cache (default true). */
  cache: z.boolean().optional(),
  providers: z.strictObject({
    openai: providerSettings.optional(),
    anthropic: providerSettings.optional(),
    ollama: providerSettings.optional(),
    llamacpp: llamaCppSettings.optional(),
  }).optional(),
  /** Named endpoints usable as model specs: `NAME` or `NAME:MODEL`. */
  endpoints: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'endpoint names are lower-case letters, digits, - and _'), endpoint).optional(),
  /** USD per million tokens, keyed `provider:model` (prefix match). */
  prices: z.record(z.string(), z.strictObject({ input: z.number().min(0), output: z.number().min(0) })).optional(),
  retry: z.strictObject({
    maxRetries: z.number().int().min(0).optional(),
    baseDelayMs: z.number().int().positive().optional(),
    maxDelayMs: z.number().int().positive().optional(),
    maxRetryAfterMs: z.number().int().positive().optional(),
  }).optional(),
});

export type TenetConfig = z.output<typeof configSchema> & { file?: string };
export type EndpointConfig = z.output<typeof endpoint>;
export type ProviderConfig = z.output<typeof providerSettings>;
export type LlamaCppConfig = z.output<typeof llamaCppSettings>;

export const DEFAULT_CONFIG_FILE = 'tenet.config.yaml';

/**
 * Load the configuration: the given file (which must exist), else ./tenet.config.yaml when present,
 * else the defaults.
 */
export function loadConfig(file?: string): TenetConfig {
  const path = file ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (!path) return {};
  const data = readDataFile(path, 'configuration');
  const value = data.value ?? {};
  return { ...validateDataFile({ ...data, value }, configSchema, { what: 'configuration', hint: 'see the Configuration section of the README for every field' }), file: path };
}
