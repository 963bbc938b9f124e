/**
 * A scripted "model" for the elicitation tests, served by the loopback server: it recognises each LLM
 * step by its prompt and answers like a cooperative model would.
 *
 * Interview: asks two questions, then shows a card (`show_values_card`), then submits once the
 * participant has replied (`submit_values_card` is only called when the server offered it).
 * Cards are chosen from the participant's words: a message containing a key of CARDS gets that card.
 */
import type { Reply, ScriptRequest } from '../support/loopback-server.ts';

export const CARDS: Record<string, { title: string; description: string; policies: string[] }> = {
  honest: {
    title: 'Honest Companionship',
    description: 'Stay with the user in their difficulty and tell them the truth gently, so they can face it with company.',
    policies: [
      'MOMENTS when the user is ready to hear a hard truth',
      'WORDS that name what the user is feeling without judging it',
      'SIGNS that the user feels less alone with their choice',
    ],
  },
  autonomy: {
    title: 'Informed Autonomy',
    description: 'Help the user see their options clearly and trust them to choose for themselves.',
    policies: [
      'OPTIONS the user has not yet considered',
      'FACTS the user needs to weigh each option',
      'MOMENTS where the user feels the decision is their own',
    ],
  },
  faith: {
    title: 'Faithful Discernment',
    description: 'Help the user bring their faith and their situation into conversation.',
    policies: [
      'TEACHINGS of the user\'s tradition that speak to their situation',
      'PEOPLE in the user\'s community who could walk with them',
      'MOMENTS of quiet in which the user can listen to their conscience',
    ],
  },
  mentor: {
    title: 'Wise Mentorship',
    description: 'Point the user to people who have lived through the same choice.',
    policies: [
      'PEOPLE who have faced the same decision and grown from it',
      'STORIES that show the user how others found their way',
      'QUESTIONS that help the user notice what they already know',
    ],
  },
};

export const FIRST_QUESTION = 'Thanks for joining. Can you tell me about a time you, or someone close to you, faced a choice like this?';
export const SECOND_QUESTION = 'What were you paying attention to in that moment?';

function last(messages: ScriptRequest['messages'], role: string) {
  return [...messages].reverse().find((m) => m.role === role)?.content ?? '';
}

function pickCard(text: string) {
  const t = text.toLowerCase();
  for (const [key, card] of Object.entries(CARDS)) if (t.includes(key)) return card;
  return CARDS.honest!;
}

export interface FakeModelOptions {
  /** Submit right after showing a card, before the participant answers (to test the gate). */
  eagerSubmit?: boolean;
  /** Articulate cards with only two policies (invalid). */
  badCards?: boolean;
  /** The dedupe judge answers with this label (default: the first candidate whose title equals the card's). */
  judge?: (card: string, candidates: string) => string | null;
  /** Contexts returned by extraction. */
  contexts?: string[];
}

export function fakeModel(options: FakeModelOptions = {}) {
  return (req: ScriptRequest): Reply => {
    const system = req.messages.find((m) => m.role === 'system')?.content ?? '';
    const firstUser = req.messages.find((m) => m.role === 'user')?.content ?? '';
    const toolNames = (req.tools ?? []).map((t) => t.name);

    if (toolNames.includes('show_values_card')) {
      const users = req.messages.filter((m) => m.role === 'user' && !m.content.startsWith('(The participant has opened'));
      const shown = req.messages.some((m) => m.role === 'assistant' && m.content.includes('[values card shown]'));
      if (toolNames.includes('submit_values_card') && /yes|captures|confirm/i.test(last(req.messages, 'user'))) {
        return { toolCall: { name: 'submit_values_card', arguments: {} } };
      }
      if (users.length === 0) return FIRST_QUESTION;
      if (users.length === 1) return SECOND_QUESTION;
      // A model that ignores the tools it was offered and submits anyway.
      if (options.eagerSubmit) return { toolCall: { name: 'submit_values_card', arguments: {} } };
      if (!shown || /change|rather|instead/i.test(last(req.messages, 'user'))) {
        return { toolCall: { name: 'show_values_card', arguments: { policies: ['MOMENTS when it matters'] } } };
      }
      return 'Is there anything you would change on the card?';
    }

    const prompt = firstUser || system;
    if (prompt.startsWith('Write the values card')) {
      const transcript = prompt.slice(prompt.indexOf('Conversation:'), prompt.indexOf('A good card follows'));
      const card = pickCard(transcript);
      return JSON.stringify(options.badCards ? { ...card, policies: card.policies.slice(0, 2) } : card);
    }
    if (prompt.startsWith('Check this values card')) return JSON.stringify({ issues: [] });
    if (prompt.startsWith("Decide whether a participant's values card")) {
      const card = prompt.slice(prompt.indexOf("The participant's card:"), prompt.indexOf('Candidates'));
      const candidates = prompt.slice(prompt.indexOf('Candidates'));
      let match: string | null = null;
      if (options.judge) match = options.judge(card, candidates);
      else {
        const title = /Title: (.*)/.exec(card)?.[1];
        const re = /(c\d+):\nTitle: (.*)/g;
        for (let m = re.exec(candidates); m; m = re.exec(candidates)) if (m[2] === title) { match = m[1]!; break; }
      }
      return JSON.stringify({ match, rationale: match ? 'Same attention, same granularity.' : 'Different things matter.' });
    }
    if (prompt.startsWith('A participant talked about the question below')) {
      return JSON.stringify({ contexts: options.contexts ?? ['when the user is in distress.', 'When the user faces a decision with lasting consequences', 'Not a context'] });
    }
    if (prompt.startsWith('You look for *wisdom upgrades*')) {
      const found = [...prompt.matchAll(/^(\d+):\nTitle: (.*)$/gm)];
      const labels = found.map((m) => m[1]!);
      const titles = found.map((m) => m[2]!);
      const upgrades = [];
      for (let i = 0; i + 1 < labels.length; i++) {
        upgrades.push({
          from: labels[i],
          to: labels[i + 1],
          story: `I used to focus on ${titles[i]}. When a friend came to me frightened and torn, I saw that it was not enough: she needed more than that. I realised that ${titles[i + 1]} keeps what I cared about and sees more of what she was going through.`,
          rationale: 'sees more of the situation',
        });
      }
      upgrades.push({ from: labels[0], to: labels[0], story: 'self loop', rationale: '' });
      if (labels.length >= 2) upgrades.push({ from: labels[1], to: labels[0], story: 'the reverse of the first', rationale: '' });
      upgrades.push({ from: '99', to: labels[0], story: 'unknown id', rationale: '' });
      return JSON.stringify({ upgrades });
    }
    if (prompt.startsWith('We show participants stories of people changing their values')) {
      return JSON.stringify({ story: 'I used to live by the other value, but when my cousin asked me for help with a hard choice, I came to see that this one mattered more to her, and to me.' });
    }
    return 'I am not sure what you mean.';
  };
}
