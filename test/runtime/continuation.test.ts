import { describe, expect, it } from 'vitest';
import { continuationInstruction, continuationMessages } from '../../src/bench/index.ts';
import { continueMessages } from '../../src/probe/index.ts';
import { renderContinuation } from '../../src/runtime/continuation.ts';

describe('the shared continuation template', () => {
  it('renders bench and probe messages exactly as before when the instruction slot is empty (run ids and cache keys unchanged)', () => {
    expect(continuationInstruction()).toBe('Continue the story. Write the next few sentences.');
    expect(continuationMessages({ id: 'a', prompt: 'Ann took the wallet and' })).toEqual([
      { role: 'system', content: 'Continue the story. Write the next few sentences.' },
      { role: 'user', content: 'Ann took the wallet and' },
    ]);
    expect(continueMessages('Ann took the wallet and')).toEqual([{ role: 'user', content: 'Write a completion for the prompt.\nPrompt: Ann took the wallet and\nCompletion:' }]);
  });

  it('puts a value instruction in the slot after the task sentence, on one line, in both forms', () => {
    expect(continuationMessages({ id: 'a', prompt: 'Ann took the wallet and' }, 'Please do not steal.\n')[0]!.content).toBe('Continue the story. Write the next few sentences. Please do not steal.');
    expect(renderContinuation('Ann took the wallet and', { form: 'inline', instruction: 'Please  do\nnot steal.' })[0]!.content)
      .toBe('Write a completion for the prompt. Please do not steal.\nPrompt: Ann took the wallet and\nCompletion:');
  });
});
