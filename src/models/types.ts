/** The Provider contract: every model tenet talks to is reached through this one interface. */

export type Role = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: Role;
  content: string;
}

/** Sampling parameters. Part of the cache key: change one and the cached answer no longer applies. */
export interface SamplingParams {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
  stop?: string[];
}

/** Ask for JSON that matches a JSON schema (sent natively, as a forced tool call, or as instructions). */
export interface JsonSchemaRequest {
  name: string;
  schema: Record<string, unknown>;
  description?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON schema of the tool's arguments. */
  parameters: Record<string, unknown>;
}

export interface ChatRequest extends SamplingParams {
  messages: ChatMessage[];
  /** How many samples to draw (default 1). One API call where the API offers `n`, fanned out where not. */
  n?: number;
  /**
   * Index of the first sample (default 0): samples are numbered firstSample … firstSample+n−1 and the
   * number is part of the cache key, so K samples of one prompt stay K distinct samples.
   */
  firstSample?: number;
  /** Return per-token log-probabilities where the API offers them. */
  logprobs?: boolean;
  /** Alternatives per token (implies `logprobs`). */
  topLogprobs?: number;
  jsonSchema?: JsonSchemaRequest;
  tools?: ToolDefinition[];
  /** Force a call to this tool. */
  toolChoice?: string;
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  top?: { token: string; logprob: number }[];
}

export interface ToolCall {
  name: string;
  arguments: unknown;
}

export interface Sample {
  /** The sample's number (see ChatRequest.firstSample). */
  index: number;
  text: string;
  logprobs?: TokenLogprob[];
  toolCalls?: ToolCall[];
  finishReason?: string;
  /** True when this sample came from the response cache. */
  cached: boolean;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface ChatResponse {
  /** The first sample's text. */
  text: string;
  /** The first sample's log-probabilities, when asked for and offered. */
  logprobs?: TokenLogprob[];
  samples: Sample[];
  /** Tokens spent by this call (cached samples cost nothing). */
  usage: Usage;
  /** Cost of this call in USD; null when the model's price is unknown. */
  costUsd: number | null;
  /** The model as the API named it. */
  model: string;
  latencyMs: number;
  /** True when every sample came from the cache. */
  cached: boolean;
  /** True when `usage` is an estimate: the server's stream carried no token counts (stream_options.include_usage ignored). */
  usageEstimated?: boolean;
}

export interface ChatOptions {
  signal?: AbortSignal;
  /** Stream the answer: called with each text delta as it arrives (sample index, text). */
  onDelta?: (sampleIndex: number, delta: string) => void;
  /** Bypass the response cache for this call (read and write). */
  noCache?: boolean;
}

export type ProviderKind = 'openai' | 'anthropic' | 'ollama' | 'llamacpp';

export interface ProviderCapabilities {
  /** The API draws n samples in one call. */
  nativeN: boolean;
  logprobs: boolean;
  /** How a JSON schema is enforced: by the API, by a forced tool call, or only by instructions. */
  jsonSchema: 'native' | 'tool' | 'instructions';
  tools: boolean;
  /** Teacher-forced scoring: `prompt` (raw text) and/or `messages` (through the chat template). */
  score: readonly ('prompt' | 'messages')[];
}

/** Totals over every call a provider made (for run summaries). */
export interface UsageTotals {
  calls: number;
  samples: number;
  cachedSamples: number;
  retries: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Calls whose cost could not be priced (unknown model). */
  unpricedCalls: number;
  /** Calls whose token counts are estimates (a stream that carried no usage). */
  estimatedUsageCalls?: number;
}

/**
 * Teacher-forced scoring: the log-likelihood of a given continuation under the model, after either a raw
 * `prompt` (no chat template) or chat `messages` (formatted with the model's chat template, the continuation
 * then being the assistant's reply). Exactly one of the two.
 */
export interface ScoreRequest {
  prompt?: string;
  messages?: ChatMessage[];
  continuation: string;
}

export interface ScoreResult {
  /**
   * The continuation's tokens as the model split them, one string per log-probability. llamacpp: they join
   * to the continuation; a token that ends inside a multi-byte character is '' and the token that completes
   * it carries the whole character (decoded alone, each part would be U+FFFD).
   */
  tokens: string[];
  /** Natural-log probability of each continuation token given everything before it. */
  logprobs: number[];
  /** Σ logprobs: the continuation's log-likelihood. */
  sum: number;
  /** sum / tokens: the length-normalised log-likelihood. */
  mean: number;
  model: string;
}

export type ScoringSupport =
  | { available: true; modes: readonly ('prompt' | 'messages')[] }
  | { available: false; reason: string };

export interface Provider {
  /** The canonical model spec, e.g. `openai:gpt-4o-mini`. */
  readonly spec: string;
  readonly kind: ProviderKind;
  readonly model: string;
  readonly baseUrl: string | undefined;
  readonly capabilities: ProviderCapabilities;
  chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResponse>;
  /** Teacher-forced scoring, where the backend offers it (`capabilities.score`); otherwise a BAD_USAGE error. */
  score(request: ScoreRequest, options?: { signal?: AbortSignal }): Promise<ScoreResult>;
  /**
   * Whether this endpoint really scores, established once per endpoint (not assumed from its kind) and
   * cached: optional measurements (perplexity, quality cost) call this first and record "not available:
   * REASON" instead of failing a run. Never throws for an endpoint that cannot score; only on cancellation.
   */
  scoringSupport(options?: { signal?: AbortSignal }): Promise<ScoringSupport>;
  totals(): UsageTotals;
}

// ---- the transport layer: one call to one API, no retries, no cache, no limits ----

export interface TransportRequest extends ChatRequest {
  n: number;
  /** How to ask an OpenAI-compatible server for `jsonSchema` (default native): the step of the structured-output ladder this endpoint is on. */
  jsonMode?: 'native' | 'json_object' | 'instructions';
}

export interface TransportResult {
  samples: Omit<Sample, 'index' | 'cached'>[];
  usage: Usage;
  model: string;
  /** The server reported no usage (a stream without its usage chunk): `usage` is not to be believed. */
  usageMissing?: boolean;
}

export interface TransportOptions {
  signal: AbortSignal;
  onDelta?: (choice: number, delta: string) => void;
}

export interface Transport {
  readonly kind: ProviderKind;
  readonly model: string;
  readonly baseUrl: string | undefined;
  readonly capabilities: ProviderCapabilities;
  send(request: TransportRequest, options: TransportOptions): Promise<TransportResult>;
  score?(request: ScoreRequest, options: { signal: AbortSignal }): Promise<ScoreResult & { inputTokens: number }>;
}
