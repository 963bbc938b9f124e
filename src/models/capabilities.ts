/**
 * What an endpoint really supports, learned from its answers rather than assumed from its kind, and
 * remembered per endpoint (provider kind + redacted base URL + model): in this process, and in the store
 * when one is given, so that a second run does not learn it again. Real OpenAI-compatible servers differ:
 * llama-cpp-python ignores `n` and refuses `response_format: json_schema`, llama.cpp's server refuses n > 1,
 * some servers' streams carry no usage, chat-only endpoints serve no /v1/completions, and an echo that reads
 * prompt log-probabilities one position late gives wrong scores. Every capability can also be forced in the
 * configuration (`providers.<kind>.capabilities`, or the same on a named endpoint).
 *
 * Learned facts only ever degrade (n → one call per sample, json_schema → json_object → instructions), so
 * each is stored once under its own key in the store's key-value cache table (put-if-absent).
 */
import { TenetError } from '../errors.ts';
import { redactUrl } from '../redact.ts';
import { stableId } from '../store/ids.ts';
import type { ProviderKind } from './types.ts';

/** How a JSON schema is asked of an OpenAI-compatible server: response_format json_schema, json_object with the schema, or only instructions. */
export type JsonMode = 'native' | 'json_object' | 'instructions';
export const JSON_MODES: readonly JsonMode[] = ['native', 'json_object', 'instructions'];

/** Capabilities forced in the configuration (`capabilities:` on a provider or an endpoint). */
export interface CapabilityOverrides {
  nativeN?: boolean;
  jsonSchema?: JsonMode;
  /** true: trust the endpoint's echo scoring without the sanity check; false: never score with it. */
  score?: boolean;
  streamUsage?: boolean;
}

export type ScoringVerdict = { available: true } | { available: false; reason: string };

/** What is known of an endpoint: learned (or forced); a missing field is not known yet. */
export interface KnownCapabilities {
  nativeN?: boolean;
  jsonSchema?: JsonMode;
  score?: ScoringVerdict;
  streamUsage?: boolean;
}

/** Structurally the store's response cache (store/cache-backend.ts `storeCache`), used as a key-value table. */
export interface CapabilityBackend {
  getMany(keys: string[]): Promise<Map<string, unknown>>;
  putMany(entries: { key: string; provider: string; baseUrl: string | null; model: string; sampleIndex: number; response: unknown }[]): Promise<void>;
}

export interface Endpoint {
  kind: ProviderKind;
  baseUrl: string | undefined;
  model: string;
}

export interface EndpointCapabilities {
  readonly overrides: CapabilityOverrides;
  /** The known capabilities: learned (loaded from the store on first use), with the configuration's on top. */
  get(): Promise<KnownCapabilities>;
  /** Remember what a call showed (an n ignored or refused, a response_format refused, a stream without usage, a scoring check). */
  learn(fact: KnownCapabilities): Promise<void>;
}

/** The facts stored, one key each (so that put-if-absent keeps the most degraded one). */
const FACTS = ['nativeN=false', 'jsonSchema=json_object', 'jsonSchema=instructions', 'streamUsage=false', 'score'] as const;
type Fact = (typeof FACTS)[number];

interface Memory {
  known: KnownCapabilities;
  /** Set once the store has been read for this endpoint. */
  loaded?: Promise<void>;
}

/** Per process, per endpoint: shared by every Provider pointing at it. */
const memory = new Map<string, Memory>();

/** Forget what this process learned (the store keeps it): for tests, and for long-lived processes that want to check again. */
export function forgetLearnedCapabilities(): void {
  memory.clear();
}

function endpointKey(e: Endpoint): string {
  return JSON.stringify([e.kind, e.baseUrl ? redactUrl(e.baseUrl) : null, e.model]);
}

function factKey(e: Endpoint, fact: Fact): string {
  return stableId('capability/v1', e.kind, e.baseUrl ? redactUrl(e.baseUrl) : null, e.model, fact);
}

/** The more degraded of two JSON modes. */
function worse(a: JsonMode | undefined, b: JsonMode | undefined): JsonMode | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return JSON_MODES.indexOf(a) >= JSON_MODES.indexOf(b) ? a : b;
}

function merge(into: KnownCapabilities, fact: KnownCapabilities): void {
  if (fact.nativeN === false) into.nativeN = false;
  if (fact.streamUsage === false) into.streamUsage = false;
  const json = worse(into.jsonSchema, fact.jsonSchema);
  if (json) into.jsonSchema = json;
  if (fact.score) into.score = fact.score;
}

function toFacts(fact: KnownCapabilities): [Fact, unknown][] {
  const out: [Fact, unknown][] = [];
  if (fact.nativeN === false) out.push(['nativeN=false', true]);
  if (fact.jsonSchema === 'json_object' || fact.jsonSchema === 'instructions') out.push([`jsonSchema=${fact.jsonSchema}`, true]);
  if (fact.streamUsage === false) out.push(['streamUsage=false', true]);
  if (fact.score) out.push(['score', fact.score]);
  return out;
}

function fromFact(fact: Fact, value: unknown): KnownCapabilities {
  switch (fact) {
    case 'nativeN=false': return { nativeN: false };
    case 'jsonSchema=json_object': return { jsonSchema: 'json_object' };
    case 'jsonSchema=instructions': return { jsonSchema: 'instructions' };
    case 'streamUsage=false': return { streamUsage: false };
    case 'score': {
      const v = value as { available?: unknown; reason?: unknown } | null;
      if (v?.available === true) return { score: { available: true } };
      if (v?.available === false && typeof v.reason === 'string') return { score: { available: false, reason: v.reason } };
      return {};
    }
  }
}

/** What the configuration forces, in the shape of what is learned. */
function forced(overrides: CapabilityOverrides): KnownCapabilities {
  return {
    ...(overrides.nativeN !== undefined ? { nativeN: overrides.nativeN } : {}),
    ...(overrides.jsonSchema ? { jsonSchema: overrides.jsonSchema } : {}),
    ...(overrides.streamUsage !== undefined ? { streamUsage: overrides.streamUsage } : {}),
    ...(overrides.score === true ? { score: { available: true } as const } : {}),
    ...(overrides.score === false
      ? { score: { available: false, reason: 'scoring is turned off for this endpoint in the configuration (capabilities.score: false)' } as const }
      : {}),
  };
}

/**
 * The capabilities book of one endpoint. `backend` persists what is learned (the store; omit for this
 * process only); `fresh` ignores what was learned before (a probe that checks again).
 */
export function endpointCapabilities(
  endpoint: Endpoint,
  options: { backend?: CapabilityBackend | undefined; overrides?: CapabilityOverrides | undefined; fresh?: boolean } = {},
): EndpointCapabilities {
  const { backend, overrides = {} } = options;
  const key = endpointKey(endpoint);
  if (options.fresh) memory.set(key, { known: {}, loaded: Promise.resolve() });
  const mem = memory.get(key) ?? { known: {} };
  memory.set(key, mem);

  async function load(): Promise<void> {
    if (!backend) return;
    mem.loaded ??= (async () => {
      try {
        const found = await backend.getMany(FACTS.map((f) => factKey(endpoint, f)));
        for (const fact of FACTS) {
          const k = factKey(endpoint, fact);
          if (found.has(k)) merge(mem.known, fromFact(fact, found.get(k)));
        }
      } catch {
        // an unreadable store only means learning again
      }
    })();
    await mem.loaded;
  }

  return {
    overrides,
    async get() {
      await load();
      return { ...mem.known, ...forced(overrides) };
    },
    async learn(fact) {
      merge(mem.known, fact);
      if (!backend) return;
      const entries = toFacts(fact).map(([name, value]) => ({
        key: factKey(endpoint, name),
        provider: endpoint.kind,
        baseUrl: endpoint.baseUrl ? redactUrl(endpoint.baseUrl) : null,
        model: endpoint.model,
        sampleIndex: 0,
        response: value,
      }));
      if (entries.length) await backend.putMany(entries).catch(() => undefined);
    },
  };
}

// ---- recognising a refusal ----

function apiMessageOf(error: unknown): { status: number | undefined; said: string } | undefined {
  if (!(error instanceof TenetError)) return undefined;
  const status = typeof error.details?.status === 'number' ? error.details.status : undefined;
  const said = typeof error.details?.apiMessage === 'string' ? error.details.apiMessage : error.message;
  return { status, said };
}

/** A 4xx that names `n` or the number of choices (llama.cpp: "Only one completion choice is allowed"). */
export function refusesN(error: unknown): boolean {
  const e = apiMessageOf(error);
  if (!e || e.status === undefined || e.status < 400 || e.status >= 500 || e.status === 429) return false;
  return /(^|[^a-z0-9_])n([^a-z0-9_]|$)|choice/i.test(e.said);
}

/** A 400/422/500 whose body names response_format or json_schema (llama-cpp-python: 500 "Input should be 'text' or 'json_object'"). */
export function refusesResponseFormat(error: unknown): boolean {
  const e = apiMessageOf(error);
  if (!e || (e.status !== 400 && e.status !== 422 && e.status !== 500)) return false;
  return /response_format|json_schema|json_object/i.test(e.said);
}

/** The next step down the structured-output ladder. */
export function nextJsonMode(mode: JsonMode): JsonMode {
  return JSON_MODES[Math.min(JSON_MODES.indexOf(mode) + 1, JSON_MODES.length - 1)]!;
}

/**
 * The scoring sanity check: after this prompt, any real language model gives `likely` a far higher
 * log-probability per token than `unlikely`. A server that reads prompt log-probabilities one position
 * late gives both the same number (that of the prompt's last token), and fails.
 */
export const SCORING_PROBE = { prompt: 'The capital of France is', likely: ' Paris', unlikely: ' purple', marginNats: 2 } as const;
