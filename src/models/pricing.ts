import type { ProviderKind, Usage } from './types.ts';

/** USD per million tokens. */
export interface Price {
  input: number;
  output: number;
}

/**
 * Public list prices (USD per 1M tokens) as published by the vendors in 2025. Prices change: override or
 * extend them under `prices:` in tenet.config.yaml. A model matches the longest entry its name starts with.
 */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6 },
  'openai:gpt-4o': { input: 2.5, output: 10 },
  'openai:gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'openai:gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'openai:gpt-4.1': { input: 2, output: 8 },
  'openai:gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  'openai:o4-mini': { input: 1.1, output: 4.4 },
  'anthropic:claude-3-5-haiku': { input: 0.8, output: 4 },
  'anthropic:claude-3-5-sonnet': { input: 3, output: 15 },
  'anthropic:claude-3-7-sonnet': { input: 3, output: 15 },
  'anthropic:claude-sonnet-4': { input: 3, output: 15 },
  'anthropic:claude-opus-4': { input: 15, output: 75 },
};

/**
 * The price of `kind:model`, or null when unknown. Local models (Ollama, llama.cpp) cost nothing;
 * OpenAI-compatible servers other than api.openai.com are priced only from the config table.
 */
export function priceFor(
  kind: ProviderKind,
  model: string,
  baseUrl: string | undefined,
  overrides: Record<string, Price> = {},
): Price | null {
  const key = `${kind}:${model}`;
  const table = kind === 'openai' && baseUrl && !baseUrl.includes('api.openai.com') ? overrides : { ...DEFAULT_PRICES, ...overrides };
  const match = Object.keys(table)
    .filter((name) => key.startsWith(name) || model.startsWith(name))
    .sort((a, b) => b.length - a.length)[0];
  if (match) return table[match]!;
  return kind === 'ollama' || kind === 'llamacpp' ? { input: 0, output: 0 } : null;
}

export function costOf(usage: Usage, price: Price | null): number | null {
  if (!price) return null;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}
