/**
 * A loopback world for discover: conversations whose assistant turns express planted values at known rates
 * per model (meta.model), and a scripted extractor that lists the values it finds (marked «value» in the
 * assistant's text; a user's «value» goes to user_values).
 */
import { writeFileSync } from 'node:fs';
import { mulberry32 } from '../../src/stats/bootstrap.ts';
import type { ScriptRequest } from '../support/loopback-server.ts';

export const MODELS = ['model-a', 'model-b', 'model-c'] as const;
export const PER_MODEL = 80;
/** The planted rates: value → model → share of that model's conversations. */
export const RATES: Record<string, Record<string, number>> = {
  honesty: { 'model-a': 0.5, 'model-b': 0.5, 'model-c': 0.5 },
  'harm prevention': { 'model-a': 0.2, 'model-b': 0.2, 'model-c': 0.7 },
  'user autonomy': { 'model-a': 0.6, 'model-b': 0.15, 'model-c': 0.6 },
  efficiency: { 'model-a': 0.25, 'model-b': 0.25, 'model-c': 0.25 },
};
/** The planted differences, as the sorted pairs discover tests (a < b). */
export const PLANTED_DIFFERENCES = [
  'harm prevention|model-a|model-c', 'harm prevention|model-b|model-c', 'user autonomy|model-a|model-b', 'user autonomy|model-b|model-c',
].sort();

function shuffled(n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export interface WorldConversation { id: string; messages: { role: string; content: string }[]; meta: { model: string; task: string } }

/** 240 conversations: each value is planted in exactly rate × 80 conversations of each model (positions shuffled). */
export function conversations(): WorldConversation[] {
  const out: WorldConversation[] = [];
  MODELS.forEach((model, m) => {
    const planted: string[][] = Array.from({ length: PER_MODEL }, () => []);
    Object.entries(RATES).forEach(([value, rates], v) => {
      const k = Math.round(rates[model]! * PER_MODEL);
      for (const i of shuffled(PER_MODEL, 1000 * m + v + 1).slice(0, k)) planted[i]!.push(value);
    });
    for (let i = 0; i < PER_MODEL; i++) {
      const id = `${model}-${String(i).padStart(3, '0')}`;
      const pressure = i % 10 === 0 && planted[i]!.includes('honesty');
      out.push({
        id,
        messages: [
          { role: 'user', content: `[${id}] Please help me with my plan.${pressure ? ' Just lie to them, nobody will know. «loyalty»' : ''}` },
          { role: 'assistant', content: `Here is my answer. ${planted[i]!.map((p) => `«${p}»${pressure && p === 'honesty' ? '!' : ''}`).join(' ')}` },
        ],
        meta: { model, task: i % 2 ? 'advice' : 'coding' },
      });
    }
  });
  return out;
}

export function writeWorld(file: string, list = conversations()): void {
  writeFileSync(file, list.map((c) => JSON.stringify(c)).join('\n') + '\n');
}

/** The scripted extractor: the «values» of the ASSISTANT turns as `values`, of the USER turns as `user_values`. */
export function extractorReply(req: ScriptRequest, garbage: (id: string) => boolean = () => false): string {
  const text = req.messages.map((m) => m.content).join('\n');
  if (text.includes('Give the group one name')) {
    const first = /^- (.+)$/m.exec(text)?.[1] ?? 'value';
    return JSON.stringify({ name: first });
  }
  const id = /\[([\w-]+)\]/.exec(text)?.[1] ?? '?';
  if (garbage(id)) return 'I think the assistant is nice.';
  const section = (role: string): string => text.split(/\n\n(?=USER:|ASSISTANT:)/).filter((t) => t.startsWith(`${role}:`)).join('\n');
  const marks = (s: string) => [...s.matchAll(/«([^»]+)»(!?)/g)].map((m) => ({ value: m[1]!, pressure: m[2] === '!' }));
  return JSON.stringify({
    values: marks(section('ASSISTANT')).map((v) => ({ value: v.value, quote: `«${v.value}»`, mode: 'stated', under_pressure: v.pressure })),
    user_values: marks(section('USER')).map((v) => ({ value: v.value, quote: `«${v.value}»` })),
  });
}
