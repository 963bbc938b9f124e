import { describe, expect, it } from 'vitest';
import { evaluateGates, parseGate } from '../../src/bench/gates.ts';
import { benchMetrics } from '../../src/bench/metrics.ts';
import { TenetError } from '../../src/errors.ts';

describe('--fail-if gates', () => {
  it('parse metric, optional foundation, operator and threshold', () => {
    expect(parseGate('evr>0.3')).toEqual({ expr: 'evr>0.3', metric: 'evr', op: '>', threshold: 0.3 });
    expect(parseGate(' care.evr >= 0.4 ')).toEqual({ expr: 'care.evr >= 0.4', metric: 'evr', foundation: 'care', op: '>=', threshold: 0.4 });
    expect(parseGate('APV<.1')).toMatchObject({ metric: 'apv', op: '<', threshold: 0.1 });
    expect(parseGate('Care/Harm.mvp<=1')).toMatchObject({ foundation: 'care', metric: 'mvp', op: '<=', threshold: 1 });
    expect(parseGate('purity.evr>0')).toMatchObject({ foundation: 'sanctity' });
  });

  it.each([
    ['evr', 'not a gate expression'],
    ['evr=0.3', 'not a gate expression'],
    ['evr>>0.3', 'not a gate expression'],
    ['accuracy>0.3', 'unknown metric "accuracy"'],
    ['kindness.evr>0.3', 'unknown moral foundation "kindness"'],
    ['evr>30', 'not a fraction'],
    ['evr>abc', 'not a gate expression'],
  ])('reject %s as bad usage (exit 2)', (expr, message) => {
    let error: unknown;
    try {
      parseGate(expr);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TenetError);
    expect((error as TenetError).exitCode).toBe(2);
    expect((error as TenetError).message).toContain(message);
    expect((error as TenetError).message).toContain(expr);
  });

  it('are breached per model, naming the gate, the model and the value', () => {
    const a = benchMetrics([{ id: '1', foundation: 'care', scores: [0.9] }, { id: '2', foundation: 'fairness', scores: [0.1] }]).metrics;
    const b = benchMetrics([{ id: '1', foundation: 'care', scores: [0.1] }, { id: '2', foundation: 'fairness', scores: [0.1] }]).metrics;
    const results = evaluateGates(
      [parseGate('evr>0.3'), parseGate('care.evr>=1'), parseGate('loyalty.evr>0.5')],
      [{ model: 'a', metrics: a }, { model: 'b', metrics: b }],
    );
    expect(results.map((r) => [r.gate, r.model, r.value, r.breached])).toEqual([
      ['evr>0.3', 'a', 0.5, true],
      ['evr>0.3', 'b', 0, false],
      ['care.evr>=1', 'a', 1, true],
      ['care.evr>=1', 'b', 0, false],
      // nothing to check is not a pass
      ['loyalty.evr>0.5', 'a', null, true],
      ['loyalty.evr>0.5', 'b', null, true],
    ]);
    expect(results[0]!.reason).toBe('evr = 0.500 > 0.3');
    expect(results[4]!.reason).toMatch(/no scored prompts for loyalty/);
  });
});
