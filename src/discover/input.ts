/**
 * Discover's input: conversations as JSONL (one per line) or JSON (an array, or `{conversations: [...]}`), in
 * the OpenAI messages shape `{id, messages: [{role, content}], meta?}`, ShareGPT's `{id, conversations:
 * [{from, value}]}`, or any other shape through a field mapping (`--map id=uid --map messages=turns`). Every
 * problem is BAD_INPUT at file:line with the field path; sizes are bounded.
 */
import { readFileSync, statSync } from 'node:fs';
import { TenetError } from '../errors.ts';
import { lineError, readJsonl, uniqueIds } from '../jsonl.ts';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ConversationTurn {
  role: Role;
  content: string;
}

export interface Conversation {
  id: string;
  messages: ConversationTurn[];
  /** Free metadata (model, task, …): `--by meta.FIELD` groups by it. */
  meta: Record<string, unknown>;
}

export interface InputOptions {
  /** Use only the first N conversations. */
  limit?: number;
  /** Field mapping: target (`id`, `messages`, `role`, `content`, `meta.NAME`) → source path (dotted) in each record. */
  map?: Record<string, string>;
  /** Longest conversation accepted, in characters of its turns (default 20,000). */
  maxChars?: number;
  /** Most conversations accepted (default 100,000). */
  maxConversations?: number;
}

export const DEFAULT_MAX_CONVERSATION_CHARS = 20_000;
export const MAX_CONVERSATIONS = 100_000;
/** A JSON (not JSONL) file is read whole: at most this many bytes. */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

const ROLE_ALIASES: Record<string, Role> = {
  system: 'system', user: 'user', human: 'user', assistant: 'assistant', gpt: 'assistant', bot: 'assistant', model: 'assistant',
  chatgpt: 'assistant', bing: 'assistant', bard: 'assistant', tool: 'tool', function: 'tool', developer: 'system',
};

const SHAPES = 'each conversation is {id, messages: [{role, content}], meta?} (OpenAI), {id, conversations: [{from, value}]} (ShareGPT), or another shape named with --map (e.g. --map id=uid --map messages=turns --map meta.model=source)';

function at(record: unknown, path: string): unknown {
  let v: unknown = record;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** `--map` values (`target=source`) as a mapping; a malformed one is BAD_USAGE. */
export function parseFieldMap(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const target = pair.slice(0, eq).trim();
    const source = pair.slice(eq + 1).trim();
    if (eq <= 0 || !source || !/^(id|messages|role|content|meta\.[\w.-]+)$/.test(target)) {
      throw new TenetError('BAD_USAGE', `--map "${pair}" is not TARGET=SOURCE`, { hint: 'TARGET is id, messages, role, content or meta.NAME; SOURCE a dotted path in each record, e.g. --map messages=chat.turns --map meta.model=source' });
    }
    out[target] = source;
  }
  return out;
}

/** One record as a Conversation, or the reason it is not one (with its field path). */
export function toConversation(record: Record<string, unknown>, index: number, map: Record<string, string> = {}): { ok: true; value: Conversation } | { ok: false; why: string; path: string } {
  const idSource = map.id ?? 'id';
  const rawId = at(record, idSource);
  const id = rawId === undefined ? `conversation-${index + 1}` : typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined;
  if (id === undefined || id.trim() === '') return { ok: false, why: 'id must be a non-empty string or a number', path: idSource };
  const messagesSource = map.messages ?? (record.messages !== undefined ? 'messages' : record.conversations !== undefined ? 'conversations' : 'messages');
  const turns = at(record, messagesSource);
  if (!Array.isArray(turns)) return { ok: false, why: `${messagesSource} must be an array of turns`, path: messagesSource };
  const messages: ConversationTurn[] = [];
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i] as Record<string, unknown> | null;
    const path = `${messagesSource}[${i}]`;
    if (t === null || typeof t !== 'object') return { ok: false, why: 'a turn must be an object', path };
    const roleRaw = at(t, map.role ?? (t.role !== undefined ? 'role' : 'from'));
    const role = typeof roleRaw === 'string' ? ROLE_ALIASES[roleRaw.toLowerCase()] : undefined;
    if (!role) return { ok: false, why: `unknown role ${JSON.stringify(roleRaw)} (use system, user/human, assistant/gpt or tool)`, path: `${path}.${map.role ?? (t.role !== undefined ? 'role' : 'from')}` };
    const contentKey = map.content ?? (t.content !== undefined ? 'content' : 'value');
    let content = at(t, contentKey);
    if (Array.isArray(content)) content = content.map((p) => (typeof p === 'string' ? p : typeof (p as { text?: unknown })?.text === 'string' ? (p as { text: string }).text : '')).join('\n');
    if (typeof content !== 'string') return { ok: false, why: 'content must be a string (or an array of text parts)', path: `${path}.${contentKey}` };
    messages.push({ role, content });
  }
  if (!messages.some((m) => m.role === 'assistant' && m.content.trim())) return { ok: false, why: 'the conversation has no assistant turn with text', path: messagesSource };
  const meta: Record<string, unknown> = {};
  const rawMeta = record.meta;
  if (rawMeta !== undefined && (rawMeta === null || typeof rawMeta !== 'object' || Array.isArray(rawMeta))) return { ok: false, why: 'meta must be an object', path: 'meta' };
  Object.assign(meta, rawMeta ?? {});
  for (const [target, source] of Object.entries(map)) if (target.startsWith('meta.')) meta[target.slice(5)] = at(record, source) ?? null;
  return { ok: true, value: { id, messages, meta } };
}

/** Read conversations from a JSONL or JSON file, strictly: the first problem is BAD_INPUT at file:line. */
export async function loadConversations(file: string, options: InputOptions = {}): Promise<Conversation[]> {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CONVERSATION_CHARS;
  const maxCount = options.maxConversations ?? MAX_CONVERSATIONS;
  const out: Conversation[] = [];
  const seen = uniqueIds(file);
  const accept = (record: unknown, line: number, index: number): void => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw lineError(file, line, 'a conversation must be a JSON object', { hint: SHAPES });
    const r = toConversation(record as Record<string, unknown>, index, options.map);
    if (!r.ok) throw lineError(file, line, r.why, { path: r.path, hint: SHAPES });
    const chars = r.value.messages.reduce((n, m) => n + m.content.length, 0);
    if (chars > maxChars) throw lineError(file, line, `conversation ${r.value.id} has ${chars} characters, over the limit of ${maxChars}`, { hint: 'raise it with --max-chars, or cut long conversations before discovering' });
    seen(r.value.id, line);
    out.push(r.value);
    if (out.length > maxCount) throw lineError(file, line, `more than ${maxCount} conversations`, { hint: 'use --limit N, or split the file' });
  };
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new TenetError('BAD_INPUT', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { location: { file }, cause: error });
  }
  const head = readFileSync(file, { encoding: 'utf8', flag: 'r' }).slice(0, 4096).replace(/^\uFEFF/, '').trimStart();
  const json = file.endsWith('.json') || head.startsWith('[');
  if (!json) {
    let i = 0;
    for await (const [line, record] of readJsonl(file, { hint: SHAPES })) {
      if (options.limit !== undefined && out.length >= options.limit) break;
      accept(record, line, i++);
    }
    return out;
  }
  if (size > MAX_JSON_BYTES) throw new TenetError('BAD_INPUT', `${file} is ${size} bytes, over the ${MAX_JSON_BYTES}-byte limit for a JSON file`, { hint: 'use JSONL (one conversation a line), which is streamed', location: { file } });
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const m = /position (\d+)/.exec((error as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : 1;
    throw lineError(file, line, `not valid JSON (${(error as Error).message})`, { hint: SHAPES });
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { conversations?: unknown })?.conversations;
  if (!Array.isArray(list)) throw lineError(file, 1, 'a JSON file must hold an array of conversations or {conversations: [...]}', { hint: SHAPES });
  // the line each element starts on, for file:line errors
  const lines = elementLines(text, list.length);
  for (let i = 0; i < list.length; i++) {
    if (options.limit !== undefined && out.length >= options.limit) break;
    accept(list[i], lines[i] ?? 1, i);
  }
  return out;
}

/** The line each top-level element of the JSON array (or of `conversations`) starts on. */
function elementLines(text: string, count: number): number[] {
  const out: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let target = -1; // the depth at which the array's elements sit
  for (let i = 0; i < text.length && out.length < count; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      if (depth === target) out.push(line);
      continue;
    }
    if (c === '[' || c === '{') {
      if (depth === target) out.push(line);
      depth++;
      if (c === '[' && target < 0) target = depth;
    } else if (c === ']' || c === '}') depth--;
    else if (depth === target && !/[\s,]/.test(c)) {
      if (i === 0 || /[\s,[]/.test(text[i - 1]!)) out.push(line);
    }
  }
  return out;
}

/** The conversation as the extractor reads it: each turn labelled with its role. */
export function renderTranscript(conversation: Conversation): string {
  return conversation.messages
    .filter((m) => m.role !== 'system')
    .map((m) => `${m.role === 'user' ? 'USER' : m.role === 'assistant' ? 'ASSISTANT' : 'TOOL'}: ${m.content.trim()}`)
    .join('\n\n');
}

/** A metadata field (`meta.model`, `model`) of a conversation, as a group key; missing: `(none)`. */
export function groupOf(conversation: Pick<Conversation, 'meta'>, field: string): string {
  const path = field.startsWith('meta.') ? field.slice(5) : field;
  const v = at(conversation.meta, path);
  return v === undefined || v === null || v === '' ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);
}
