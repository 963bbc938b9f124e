import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateFile } from '../../src/judges/evaluate.ts';
import type { Judge } from '../../src/judges/types.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-eval-'));

/** Scores benevolence +1 for responses that help, −1 for ones that mock; counts batches. */
function countingJudge(): Judge & { batches: number[] } {
  const batches: number[] = [];
  return {
    id: 'test',
    version: '1',
    batches,
    async judge(items) {
      batches.push(items.length);
      return items.map((i) => ({
        values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id) => [id, id === 'benevolence' ? (i.response.includes('mock') ? -1 : 1) : 0])) as never,
        ...(i.principle || i.foundation ? { violation: i.response.includes('mock') ? 0.9 : 0.1 } : {}),
        confidence: 1,
      }));
    },
  };
}

function write(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const rows = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('evaluate', () => {
  it('keeps ids, adds values, violation and judge, and profiles each model', async () => {
    const input = write('in.jsonl', [
      JSON.stringify({ id: 'a', prompt: 'p', response: 'I will help', model: 'm1', foundation: 'care' }),
      JSON.stringify({ id: 'b', prompt: 'p', response: 'I mock you', model: 'm2', principle: 'Be kind' }),
      JSON.stringify({ dialogue: 'Human: hi\nBob: glad to help', response_source: 'gemini' }),
    ]);
    const output = join(dir, 'out.jsonl');
    const summary = await evaluateFile({ judge: countingJudge(), input, output });
    const out = rows(output);
    expect(out.map((r) => r.id)).toEqual(['a', 'b', 'line-3']);
    expect(out[0].values.benevolence).toBe(1);
    expect(out[1].values.benevolence).toBe(-1);
    expect(out[1].violation).toBe(0.9);
    expect(out[2].violation).toBeUndefined();
    expect(out[0].judge).toBe('test@1');
    expect(summary.profiles.map((p) => p.group)).toEqual(['(all)', 'gemini', 'm1', 'm2']);
    expect(summary.profiles.find((p) => p.group === 'm2')!.opposed.benevolence).toBe(1);
  });

  it('names the file and line of a malformed row; skips it with --on-error skip', async () => {
    const input = write('bad.jsonl', [
      JSON.stringify({ id: 'ok', prompt: 'p', response: 'r' }),
      '{"id": "broken", "prompt": ',
      JSON.stringify({ id: 'noresp', prompt: 'p' }),
      JSON.stringify({ id: 'badf', prompt: 'p', response: 'r', foundation: 'honour' }),
      JSON.stringify({ id: 'ok2', prompt: 'p', response: 'r' }),
    ]);
    await expect(evaluateFile({ judge: countingJudge(), input, output: join(dir, 'x.jsonl') })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      location: { file: input, line: 2 },
    });
    const skipped: number[] = [];
    const output = join(dir, 'skip.jsonl');
    const summary = await evaluateFile({ judge: countingJudge(), input, output, onError: 'skip', onSkip: (e) => skipped.push(e.location!.line!) });
    expect(skipped).toEqual([2, 3, 4]);
    expect(summary).toMatchObject({ rows: 2, skipped: 3 });
    expect(rows(output).map((r) => r.id)).toEqual(['ok', 'ok2']);
  });

  it('streams 20,000 rows through the judge in fixed-size batches', async () => {
    const file = join(dir, 'big.jsonl');
    const line = (i: number) => JSON.stringify({ id: `r${i}`, prompt: 'A question about values '.repeat(5), response: `An answer number ${i} `.repeat(10), model: `m${i % 3}` });
    writeFileSync(file, `${Array.from({ length: 20_000 }, (_, i) => line(i)).join('\n')}\n`);
    const judge = countingJudge();
    const output = join(dir, 'big-out.jsonl');
    const summary = await evaluateFile({ judge, input: file, output, batchSize: 500 });
    expect(summary.rows).toBe(20_000);
    expect(Math.max(...judge.batches)).toBe(500);
    expect(judge.batches).toHaveLength(40);
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(20_000);
  });
});

describe('npm start: tenet evaluate on the shipped sample ends with how far to trust the judge and what to try next', () => {
  it('names the judge\'s held-out measurement and a next command', async () => {
    const { runCli } = await import('../support/cli.ts');
    const dir = mkdtempSync(join(tmpdir(), 'tenet-start-'));
    const r = await runCli(['evaluate', 'data/samples/fulcra-responses.jsonl', '--judge', 'local-fast', '-o', join(dir, 'out.jsonl'), '--db', join(dir, 't.db')]);
    expect(r.code, r.stderr).toBe(0);
    const tail = r.stdout.trim().split('\n').slice(-2);
    expect(tail[0]).toMatch(/^how far to trust it: tenet-local-fast@1\.1\.0 scores macro-F1 0\.739 \[0\.686, 0\.788\]/);
    expect(tail[1]).toMatch(/^next: `tenet evaluate FILE --judge local`/);
  });

  it('says how to measure a judge it has no measurement for', async () => {
    const { trustNote } = await import('../../src/judges/trust.ts');
    expect(trustNote({ id: 'llm:openai:gpt-4o-mini', version: '1' })).toMatch(/unmeasured here; measure llm:openai:gpt-4o-mini .*tenet judge eval/);
    expect(trustNote({ id: 'tenet-local', version: '1.1.0' })).toMatch(/0\.739/); // stored under the n-gram judge's old id
  });
});
