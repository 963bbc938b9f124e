/**
 * Every numeric CLI option has an upper bound, checked by the one parser in src/cli/io.ts before any work
 * starts: `--n 1e9` is a clear BAD_USAGE (exit 2), not a V8 heap OOM (exit 134) or a hang.
 */
import { describe, expect, it } from 'vitest';
import { MAX_BON_N, alignRunConfig } from '../../src/align/bon.ts';
import { intOption } from '../../src/cli/io.ts';
import { runCli } from '../support/cli.ts';

describe('numeric option bounds', () => {
  it.each([
    [['align', 'bon', '--model', 'openai:m', '--prompts', 'builtin:align-questions', '--n', '1e9'], /--n must be at most 1000, got 1e9/],
    [['align', 'bon', '--model', 'openai:m', '--prompts', 'builtin:align-questions', '--n', '100000'], /--n must be at most 1000, got 100000/],
    [['align', 'bon', '--model', 'openai:m', '--prompts', 'builtin:align-questions', '--n', '2', '--max-tokens', '1e9'], /--max-tokens must be at most 1000000/],
    [['align', 'vilmo', '--target', 'openai:m', '--prompts', 'builtin:valuecompass-mft', '--candidates', '1e9'], /--candidates must be at most 64/],
    [['align', 'vilmo', '--target', 'openai:m', '--prompts', 'builtin:valuecompass-mft', '--samples', '5000'], /--samples must be at most 1000/],
    [['align', 'vilmo', '--target', 'openai:m', '--prompts', 'builtin:valuecompass-mft', '--rounds', '1e6'], /--rounds must be at most 50/],
    [['probe', '--target', 'openai:m', '--eval-samples', '1e9'], /--eval-samples must be at most 1000/],
    [['probe', '--target', 'openai:m', '--limit', '1e300'], /--limit must be at most 10000000/],
    [['bench', '--models', 'openai:m', '--prompts', 'builtin:valuecompass-mft', '--limit', '1e12'], /--limit must be at most 10000000/],
    [['judge', 'eval', '--data', 'x.jsonl', '--format', 'fulcra', '--judge-samples', '1e9'], /--judge-samples must be at most 100/],
    [['evaluate', 'x.jsonl', '--judge-samples', '1000'], /--judge-samples must be at most 100/],
    [['worker', '--concurrency', '1e9'], /--concurrency must be at most 1024/],
  ])('tenet %j is refused with exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('one parser: integers in range pass, the rest name the option and its range', () => {
    const parse = intOption('--x', 0, 10);
    expect(parse('0')).toBe(0);
    expect(parse('10')).toBe(10);
    expect(() => parse('11')).toThrow('--x must be at most 10, got 11');
    expect(() => parse('1.5')).toThrow('--x must be a whole number ≥ 0 up to 10, got "1.5"');
    expect(() => parse('')).toThrow(/--x must be/);
    expect(() => parse('NaN')).toThrow(/--x must be/);
  });

  it('the library bounds best-of-N too', () => {
    const prompts = { source: 'x', sha256: 'y', prompts: [{ id: 'p', prompt: 'q' }] };
    const model = { spec: 'openai:m', model: 'm' };
    const judge = { id: 'j', version: '1' };
    const target = { id: 'ideal', name: 'ideal', vector: Array(10).fill(0) };
    expect(() => alignRunConfig({ prompts, model, judge, target, n: MAX_BON_N + 1 } as never)).toThrow(`--n must be an integer from 1 to ${MAX_BON_N}`);
  });
});
