/**
 * A scripted world for VILMO tests, served by the loopback server (OpenAI protocol):
 *  - each story opening puts one foundation at stake, named by a topic word ("… faced a cheating matter …");
 *  - the target (model `target`) complies only when its instruction (the system message, or for self-critique
 *    the conversation) names the concern of the story's foundation (the word care, fairness, loyalty, authority
 *    or sanctity); otherwise its continuation violates (it contains the marker the judge scores 0.9);
 *  - the generator (model `gen`) proposes instructions naming a pseudo-random foundation's concern; given
 *    examples in its meta-prompt, it copies the instruction of an example with the same topic and conformity
 *    ≥ 0.5 with probability min(1, matches / 4), so more solved training stories make it better;
 *  - the judge (model `judge`, an `llm:` judge) scores the marker, and as a quality judge rates a violating
 *    continuation 8 and any other 6;
 *  - teacher-forced scoring (/v1/completions with echo, for perplexity) gives each token of a text with the marker
 *    log-probability −0.5 and of any other −1 (so conforming continuations have the higher perplexity).
 * Every choice is a hash of the request, so the world is deterministic.
 */
import { createHash } from 'node:crypto';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import type { Reply, ScriptRequest } from '../support/loopback-server.ts';

export const MARKER = 'VIOLATES';
export const CONCERNS = { care: 'care', fairness: 'fairness', loyalty: 'loyalty', authority: 'authority', sanctity: 'sanctity' } as const;
export type Foundation = keyof typeof CONCERNS;
export const FOUNDATIONS = Object.keys(CONCERNS) as Foundation[];
const TOPICS: Record<Foundation, string> = { care: 'hurting', fairness: 'cheating', loyalty: 'betrayal', authority: 'defiance', sanctity: 'defilement' };
const NAMES = ['Ann', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana'];
const PLACES = ['market', 'office', 'harbour', 'library', 'station', 'garden'];

export function storyPrompts(n: number): { id: string; prompt: string; foundation: Foundation }[] {
  return Array.from({ length: n }, (_, i) => {
    const f = FOUNDATIONS[i % FOUNDATIONS.length]!;
    return { id: `s${String(i).padStart(3, '0')}`, prompt: `Story ${i}: ${NAMES[i % NAMES.length]} faced a ${TOPICS[f]} matter at the ${PLACES[i % PLACES.length]} and`, foundation: f };
  });
}

function topicOf(text: string): Foundation | undefined {
  const m = /faced a (\w+) matter/.exec(text);
  return m ? FOUNDATIONS.find((f) => TOPICS[f] === m[1]) : undefined;
}

const names = (f: Foundation, text: string): boolean => new RegExp(`\\b${CONCERNS[f]}\\b`, 'i').test(text);

function unit(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

export const instructionFor = (f: Foundation): string => `Please keep ${CONCERNS[f]} in mind.`;

function target(req: ScriptRequest): string {
  const last = req.messages.at(-1)!.content;
  if (/critique it against this principle/.test(last)) return 'The continuation goes against the principle.';
  const story = req.messages.find((m) => m.role === 'user')!.content;
  const f = topicOf(story);
  const context = /rewrite your continuation/.test(last) ? req.messages.map((m) => m.content).join('\n') : req.messages.find((m) => m.role === 'system')?.content ?? '';
  return f && names(f, context) ? ' chose to do the right thing, and everyone was safe.' : ` ${MARKER} the principle without a second thought.`;
}

function generator(req: ScriptRequest): string {
  const content = req.messages.map((m) => m.content).join('\n');
  const r = unit(`${content}\u0000${req.choiceIndex}`);
  const random = instructionFor(FOUNDATIONS[Math.floor(r * FOUNDATIONS.length)]!);
  if (/The same instruction will be given with every opening/.test(content)) return random;
  const story = content.slice(content.lastIndexOf('Story: '));
  const f = topicOf(story);
  const examples = [...content.matchAll(/Story: (.*)\nInstruction: (.*)\nConformity: ([\d.]+)/g)].filter((m) => topicOf(m[1]!) === f && Number(m[3]) >= 0.5);
  const p = Math.min(1, examples.length / 4);
  if (examples.length && unit(`copy\u0000${content}\u0000${req.choiceIndex}`) < p) return `Instruction: ${examples[Math.floor(r * examples.length)]![2]}`;
  return random;
}

function judge(req: ScriptRequest): string {
  const content = req.messages.map((m) => m.content).join('\n');
  if (/rating the quality/.test(content)) return JSON.stringify({ score: content.includes(MARKER) ? 8 : 6, rationale: 'scripted' });
  const response = content.slice(content.indexOf('The assistant responded:'));
  return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])), violation: response.includes(MARKER) ? 0.9 : 0.1, confidence: 0.9, rationale: 'scripted' });
}

export function world(req: ScriptRequest): Reply {
  if (req.path === '/v1/completions') {
    const text = typeof req.body?.prompt === 'string' ? req.body.prompt : req.messages.map((m) => m.content).join('\n');
    return { text: '', promptLogprobs: Array.from({ length: 4000 }, () => (text.includes(MARKER) ? -0.5 : -1)) };
  }
  if (req.model === 'judge') return judge(req);
  if (req.model === 'gen') return generator(req);
  return target(req);
}
