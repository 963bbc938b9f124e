import { z } from 'zod';
import { TenetError } from '../errors.ts';
import type { ChatMessage, ChatOptions, ChatRequest, ChatResponse, Provider } from './types.ts';

export interface StructuredResult<T> {
  value: T;
  /** The model's raw text that parsed. */
  raw: string;
  response: ChatResponse;
  /** True when the first answer failed validation and the re-ask succeeded. */
  reasked: boolean;
}

/** Pull the JSON out of a reply: the whole text, else a fenced block, else the outermost braces. */
export function extractJson(text: string): unknown {
  const attempts = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced?.[1]) attempts.push(fenced[1].trim());
  const open = text.indexOf('{');
  const close = text.lastIndexOf('}');
  if (open >= 0 && close > open) attempts.push(text.slice(open, close + 1));
  for (const candidate of attempts) {
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next shape
    }
  }
  throw new SyntaxError('the reply is not JSON');
}

function problem<T>(schema: z.ZodType<T>, text: string): { ok: true; value: T } | { ok: false; why: string } {
  let parsed: unknown;
  try {
    parsed = extractJson(text);
  } catch {
    return { ok: false, why: 'the reply is not valid JSON' };
  }
  const result = schema.safeParse(parsed);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, why: result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ') };
}

/**
 * Ask for JSON matching a zod schema. The schema goes to the API natively (response_format, a forced tool
 * call, Ollama's format) and into the instructions too, so servers that ignore it still know the shape.
 * An invalid answer is re-asked once with the validation error; a second failure is a STRUCTURED_OUTPUT
 * error that keeps the raw text.
 */
export async function generateObject<T>(
  provider: Provider,
  request: Omit<ChatRequest, 'jsonSchema' | 'n'>,
  schema: z.ZodType<T>,
  options: ChatOptions & { name?: string; description?: string } = {},
): Promise<StructuredResult<T>> {
  const { name = 'answer', description, ...chatOptions } = options;
  const jsonSchema = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  const instruction: ChatMessage = {
    role: 'system',
    content: `Reply with only a JSON object that matches this JSON schema, with no other text:\n${JSON.stringify(jsonSchema)}`,
  };
  const messages = [...request.messages, instruction];
  const ask = (msgs: ChatMessage[]) => provider.chat({
    ...request,
    messages: msgs,
    jsonSchema: { name, schema: jsonSchema, ...(description ? { description } : {}) },
  }, chatOptions);

  const first = await ask(messages);
  const firstCheck = problem(schema, first.text);
  if (firstCheck.ok) return { value: firstCheck.value, raw: first.text, response: first, reasked: false };

  const second = await ask([
    ...messages,
    { role: 'assistant', content: first.text },
    { role: 'user', content: `That reply was not valid: ${firstCheck.why}. Reply again with only the corrected JSON object.` },
  ]);
  const secondCheck = problem(schema, second.text);
  if (secondCheck.ok) return { value: secondCheck.value, raw: second.text, response: second, reasked: true };
  throw new TenetError('STRUCTURED_OUTPUT', `${provider.spec} did not return valid ${name} JSON after one re-ask: ${secondCheck.why}`, {
    hint: 'the raw replies are in details.raw; a larger or instruction-tuned model usually fixes this',
    details: { raw: [first.text, second.text], retryable: false },
  });
}
