/**
 * Context extraction and upgrade stories: the "When …" contexts a participant's value applies in, and,
 * per context, hypotheses that one value is wiser than another, each with a first-person story of the
 * change and the reverse story (for counterbalancing).
 */
import { z } from 'zod';
import { generateObject } from '../../models/structured.ts';
import type { Provider } from '../../models/types.ts';
import { normaliseContext, type TranscriptEntry } from '../../store/elicit-repos.ts';
import type { ValuesCard } from '../../values/cards.ts';
import { formatCard, transcriptText } from './articulate.ts';
import { elicitPrompt, fillPrompt } from './prompts.ts';

const ContextsOutput = z.object({ contexts: z.array(z.string().max(300)).max(10) });

export interface ExtractedContexts {
  contexts: string[];
  model: string;
  promptVersion: string;
}

/** "when the user …" → "When the user …"; refuses anything that is not a "When …" clause. */
export function cleanContext(text: string): string | null {
  let t = normaliseContext(text).replace(/[.;:]+$/, '');
  if (!/^when\b/i.test(t)) return null;
  t = `When${t.slice(4)}`;
  return t.length >= 8 && t.length <= 200 ? t : null;
}

/**
 * The contexts a participant's value applies in (1–3). An answer equal to an existing context up to case
 * and spacing is returned as that context, word for word.
 */
export async function extractContexts(
  provider: Provider,
  input: { question: string; card: ValuesCard; messages: readonly TranscriptEntry[]; existing: readonly string[] },
  options: { signal?: AbortSignal } = {},
): Promise<ExtractedContexts> {
  const prompt = elicitPrompt('contexts');
  const content = fillPrompt(prompt.text, {
    question: input.question,
    card: formatCard(input.card),
    transcript: transcriptText(input.messages, 6000),
    existing: input.existing.length ? input.existing.map((c) => `- ${c}`).join('\n') : '(none yet)',
  });
  const { value } = await generateObject(provider, { messages: [{ role: 'user', content }], temperature: 0 }, ContextsOutput, {
    name: 'contexts',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const byKey = new Map(input.existing.map((c) => [c.toLowerCase().replace(/\s+/g, ' ').trim(), c]));
  const out: string[] = [];
  for (const raw of value.contexts) {
    const clean = cleanContext(raw);
    if (!clean) continue;
    const text = byKey.get(clean.toLowerCase()) ?? clean;
    if (!out.includes(text)) out.push(text);
    if (out.length === 3) break;
  }
  return { contexts: out, model: provider.spec, promptVersion: prompt.version };
}

const UpgradesOutput = z.object({
  upgrades: z
    .array(z.object({ from: z.union([z.string(), z.number()]), to: z.union([z.string(), z.number()]), story: z.string().max(4000), rationale: z.string().max(2000).optional() }))
    .max(40),
});

const StoryOutput = z.object({ story: z.string().min(1).max(4000) });

export interface UpgradeProposal {
  fromId: string;
  toId: string;
  story: string;
  reverseStory: string;
  rationale: string | null;
  model: string;
  promptVersion: string;
}

/**
 * Proposes upgrades among `cards` in `context` (ids are shown to the model as short labels), then writes
 * the reverse story for each. Drops self-loops, unknown ids, empty stories and the second of a pair
 * proposed both ways.
 */
export async function proposeUpgrades(
  provider: Provider,
  input: { context: string; cards: readonly { id: string; card: ValuesCard }[]; max?: number },
  options: { signal?: AbortSignal; temperature?: number } = {},
): Promise<UpgradeProposal[]> {
  if (input.cards.length < 2) return [];
  const prompt = elicitPrompt('upgrades');
  const reverse = elicitPrompt('reverseStory');
  const labels = input.cards.map((_, i) => String(i + 1));
  const max = input.max ?? Math.min(8, input.cards.length * 2);
  const content = fillPrompt(prompt.text, {
    context: input.context,
    max: String(max),
    cards: input.cards.map((c, i) => `${labels[i]}:\n${formatCard(c.card)}`).join('\n\n'),
  });
  const signal = options.signal ? { signal: options.signal } : {};
  const { value } = await generateObject(
    provider,
    { messages: [{ role: 'user', content }], temperature: options.temperature ?? 0.3 },
    UpgradesOutput,
    { name: 'upgrades', ...signal },
  );
  const seen = new Set<string>();
  const picked: { from: number; to: number; story: string; rationale: string | null }[] = [];
  for (const u of value.upgrades) {
    const from = labels.indexOf(String(u.from).trim());
    const to = labels.indexOf(String(u.to).trim());
    const story = u.story.trim();
    if (from < 0 || to < 0 || from === to || !story) continue;
    const key = from < to ? `${from}|${to}` : `${to}|${from}`;
    if (seen.has(key)) continue;
    seen.add(key);
    picked.push({ from, to, story, rationale: u.rationale?.trim() || null });
    if (picked.length >= max) break;
  }
  const out: UpgradeProposal[] = [];
  for (const p of picked) {
    const a = input.cards[p.from]!;
    const b = input.cards[p.to]!;
    const reverseStory = await generateObject(
      provider,
      {
        messages: [{ role: 'user', content: fillPrompt(reverse.text, { context: input.context, from: formatCard(b.card), to: formatCard(a.card), story: p.story }) }],
        temperature: options.temperature ?? 0.3,
      },
      StoryOutput,
      { name: 'reverse_story', ...signal },
    );
    out.push({
      fromId: a.id,
      toId: b.id,
      story: p.story,
      reverseStory: reverseStory.value.story.trim(),
      rationale: p.rationale,
      model: provider.spec,
      promptVersion: `${prompt.version}+${reverse.version}`,
    });
  }
  return out;
}
