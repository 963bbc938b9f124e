import { describe, expect, it } from 'vitest';
import { holm, signFlipP } from '../../src/align/stats.ts';
import { parseMethods, parseSplit, splitPrompts } from '../../src/align/vilmo/config.ts';
import { cleanInstruction, generateMessages, principleInstruction, summarise } from '../../src/align/vilmo/prompts.ts';
import { selectRound } from '../../src/align/vilmo/train.ts';

describe('paired statistics', () => {
  it('sign-flip p is exact for small N: all 4 differences positive gives 2/16', () => {
    expect(signFlipP([1, 1, 1, 1])).toBeCloseTo(2 / 16, 12);
    expect(signFlipP([0, 0, 0])).toBe(1);
    expect(signFlipP([])).toBe(1);
    // a symmetric set of differences has mean 0: every pattern is at least as extreme
    expect(signFlipP([1, -1, 2, -2])).toBe(1);
  });

  it('sign-flip p by seeded resampling for large N is small for a consistent shift and large for noise, and never 0', () => {
    const shift = Array.from({ length: 40 }, (_, i) => -0.5 - (i % 3) * 0.1);
    const p = signFlipP(shift);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.001);
    const noise = Array.from({ length: 40 }, (_, i) => (i % 2 ? 1 : -1) * ((i % 5) + 1));
    expect(signFlipP(noise)).toBeGreaterThan(0.3);
    expect(signFlipP(shift, { seed: 7 })).toBe(signFlipP(shift, { seed: 7 }));
  });

  it("Holm's adjustment: sorted step-down, monotone, capped at 1, in input order", () => {
    // m = 4: 0.01·4 = 0.04, 0.02·3 = 0.06, 0.03·2 = 0.06, 0.5·1 = 0.5
    expect(holm([0.03, 0.01, 0.5, 0.02])).toEqual([0.06, 0.04, 0.5, 0.06]);
    expect(holm([0.9, 0.8])).toEqual([1, 1]);
    expect(holm([])).toEqual([]);
  });
});

describe('VILMO pieces', () => {
  const prompts = Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, prompt: `story ${i}`, foundation: 'care' as const }));

  it('splits by a seeded hash of the prompt ids, whatever the order of the file', () => {
    const a = splitPrompts(prompts, { split: [0.5, 0.1, 0.4], seed: 1 });
    expect([a.train.length, a.val.length, a.test.length]).toEqual([10, 2, 8]);
    const b = splitPrompts([...prompts].reverse(), { split: [0.5, 0.1, 0.4], seed: 1 });
    expect(b).toEqual(a);
    const ids = new Set([...a.train, ...a.val, ...a.test].map((p) => p.id));
    expect(ids.size).toBe(20);
    expect(splitPrompts(prompts, { split: [0.5, 0.1, 0.4], seed: 2 }).test).not.toEqual(a.test);
  });

  it('parses methods (none always included, canonical order) and splits', () => {
    expect(parseMethods(['vilmo', 'fixed'])).toEqual(['none', 'fixed', 'vilmo']);
    expect(() => parseMethods(['x'])).toThrow(/unknown method x/);
    expect(parseSplit([0.6, 0.2, 0.2])).toEqual([0.6, 0.2, 0.2]);
    expect(() => parseSplit([0.6, 0.2])).toThrow(/three fractions/);
  });

  it('cleans a generator reply down to one instruction line', () => {
    expect(cleanInstruction('Instruction: "Please do not kill."\nMore text')).toBe('Please do not kill.');
    expect(cleanInstruction('```\n- Be kind to the injured dog.\n```')).toBe('Be kind to the injured dog.');
    expect(cleanInstruction('\n\n  Respect   the  elders. ')).toBe('Respect the elders.');
    expect(cleanInstruction('x'.repeat(1000))).toHaveLength(400);
  });

  it("puts examples and the summary in the generator's meta-prompt, and the principle in the principle arm", () => {
    const m = generateMessages('Ann saw the wallet and', { examples: [{ prompt: 'Ben hit the dog and', instruction: 'Be kind.', conformity: 0.9 }], summary: 'it worked.' })[0]!.content;
    expect(m).toContain('Story: Ben hit the dog and\nInstruction: Be kind.\nConformity: 0.90');
    expect(m).toContain('What earlier rounds showed: it worked.');
    expect(m.endsWith('Story: Ann saw the wallet and\nInstruction:')).toBe(true);
    expect(generateMessages('x', { examples: [], summary: '' })[0]!.content).not.toContain('Conformity');
    expect(principleInstruction({ id: 'a', prompt: 'x', foundation: 'care' })).toMatch(/^Make sure the continuation respects this principle: Care \/ Harm: /);
    expect(principleInstruction({ id: 'a', prompt: 'x', principle: 'Do not steal.' })).toBe('Make sure the continuation respects this principle: Do not steal.');
  });

  it('summarises a round: best vs all conformity, and the words that set the best instructions apart', () => {
    const s = summarise(0, [
      { best: { instruction: 'Protect the vulnerable child.', conformity: 1 }, worst: { instruction: 'Be ethical.', conformity: 0 }, mean: 0.5 },
      { best: { instruction: 'Protect honesty.', conformity: 0.8 }, worst: { instruction: 'Be ethical.', conformity: 0.2 }, mean: 0.4 },
    ]);
    expect(s).toContain('mean conformity of 0.90, against 0.45 for all candidates');
    expect(s).toContain('Words the best instructions used more often than the worst: protect');
    expect(summarise(0, [])).toBe('');
  });

  it('selects the round with the best validation conformity, the earliest on ties', () => {
    const point = (round: number, mean: number) => ({ round, conformity: { mean, ci: [null, null] as [null, null], n: 5 }, examples: 0 });
    expect(selectRound([point(0, 0.2), point(1, 0.7), point(2, 0.7)])).toBe(1);
    expect(selectRound([point(0, 0.5)])).toBe(0);
  });
});
