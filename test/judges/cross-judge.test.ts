/**
 * The cross-encoder judge (tenet-local-cross@3, `--judge local-cross`): the committed int8 ONNX model run by
 * onnxruntime-node, against the outputs its trainer recorded in card.json from PyTorch and from Python's ONNX
 * Runtime on the same fixed inputs (scripts/judge/train-cross-encoder.py).
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJudge } from '../../src/judges/factory.ts';
import { commonPart } from '../../src/judges/measure.ts';
import type { Judge } from '../../src/judges/types.ts';
import { buildInput, MAX_PRINCIPLE_TOKENS } from '../../src/judges/local/cross-input.ts';
import { DEFAULT_CROSS_DIR, loadCrossJudge, type CrossJudge } from '../../src/judges/local/cross-judge.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/judges/labels.ts';
import { runCli } from '../support/cli.ts';

const DATA = new URL('../../../shared/data/', import.meta.url).pathname;
const special = { cls: 101, sep: 102 };
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('cross-encoder input layout', () => {
  it('puts [CLS] principle [SEP] prompt [SEP] response [SEP] with token types 0 then 1', () => {
    const x = buildInput([1, 2], [3], [4, 5], 64, special);
    expect(x.ids).toEqual([101, 1, 2, 102, 3, 102, 4, 5, 102]);
    expect(x.types).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(buildInput([], [], [], 64, special).ids).toEqual([101, 102, 102, 102]);
  });

  it('keeps the response first, then the end of the prompt, and cuts a long principle', () => {
    // budget 32 − 4 − 2 = 26: the response may take max(26 − 40, 26 − 6) = 20 tokens, the prompt the rest
    const x = buildInput([1, 2], range(1000, 40), range(2000, 30), 32, special);
    expect(x.ids).toHaveLength(32);
    expect(x.ids.slice(4, 10)).toEqual(range(1034, 6)); // the prompt's last 6 tokens
    expect(x.ids.slice(11, 31)).toEqual(range(2000, 20)); // the response's first 20
    // a short prompt leaves the response all the room it needs
    const y = buildInput([], [7], range(2000, 100), 32, special);
    expect(y.ids.slice(2, 4)).toEqual([7, 102]);
    expect(y.ids.slice(4, 31)).toEqual(range(2000, 27));
    const z = buildInput(range(1, 100), [], [], 256, special);
    expect(z.ids.length).toBe(MAX_PRINCIPLE_TOKENS + 4);
  });
});

describe('the committed cross-encoder judge', () => {
  let judge: CrossJudge;
  beforeAll(async () => {
    judge = await loadCrossJudge();
  });
  afterAll(async () => {
    await judge?.close();
  });

  it('tokenises the reference inputs exactly as the trainer did and reproduces its ONNX outputs', async () => {
    const ref = judge.card.reference;
    expect(ref.length).toBeGreaterThanOrEqual(6);
    const inputs = ref.map((r) => judge.encode(r.principle, r.prompt, r.response));
    inputs.forEach((x, i) => expect(x.ids, `reference ${i}`).toEqual(ref[i]!.ids));
    const out = await judge.logits(inputs);
    let maxInt8 = 0;
    let maxTorch = 0;
    out.forEach((row, i) => {
      row.forEach((v, k) => {
        maxInt8 = Math.max(maxInt8, Math.abs(v - ref[i]!.onnxInt8[k]!));
        maxTorch = Math.max(maxTorch, Math.abs(v - ref[i]!.pytorch[k]!));
      });
    });
    // the same int8 graph in Python's and Node's ONNX Runtime
    expect(maxInt8).toBeLessThanOrEqual(1e-3);
    // before quantisation the export matched PyTorch (checked by the trainer, recorded in the card)
    expect((judge.card.onnx as unknown as { fp32VsPytorchMaxAbsDiff: number }).fp32VsPytorchMaxAbsDiff).toBeLessThanOrEqual(1e-3);
    // quantisation moves logits a little, never wildly
    expect(maxTorch).toBeLessThan(1.5);
  });

  it('gives every value, a violation only when a principle or foundation is given, and refuses an unknown foundation', async () => {
    const [plain, founded, principled] = await judge.judge([
      { prompt: 'How should I spend my weekend?', response: 'Go hiking with friends and try something new.' },
      { prompt: 'Tell a story.', response: 'He kicked the dog for fun.', foundation: 'care' },
      { prompt: '', response: 'I lied to my mother about where the money went.', principle: 'Be honest.' },
    ]);
    for (const r of [plain!, founded!, principled!]) {
      expect(Object.keys(r.values).sort()).toEqual([...SCHWARTZ_VALUE_IDS].sort());
      for (const v of Object.values(r.values)) expect(v).toBeGreaterThanOrEqual(-1), expect(v).toBeLessThanOrEqual(1);
      expect(r.confidence).toBeGreaterThan(0);
    }
    expect(plain!.violation).toBeUndefined();
    expect(founded!.violation).toBeGreaterThanOrEqual(0);
    expect(principled!.violation).toBeLessThanOrEqual(1);
    await expect(judge.judge([{ prompt: 'a', response: 'b', foundation: 'kindness' as never }])).rejects.toThrow(/unknown moral foundation "kindness"/);
  });

  // One item per forward pass by default: an item's score never depends on what it is judged with. (Dynamic
  // int8 quantisation scales activations by the range of the whole batch, so in a batch of several it would.)
  it('judges an item the same alone as among others, and the same twice', async () => {
    const items = [
      { prompt: 'Write the opening of a short story.', response: 'The village was quiet.', foundation: 'care' as const },
      { prompt: 'A long prompt '.repeat(50), response: 'She returned the wallet she found to its owner. '.repeat(10), foundation: 'fairness' as const },
      { prompt: '', response: 'I ate lunch.', principle: 'commonsense morality' },
    ];
    const together = await judge.judge(items);
    expect(await judge.judge(items)).toEqual(together);
    for (let i = 0; i < items.length; i++) expect(await judge.judge([items[i]!])).toEqual([together[i]]);
    // in a batch of several, an item's score moves only a little
    const batched = await loadCrossJudge(undefined, { batchSize: 8 });
    const inBatch = await batched.judge(items);
    await batched.close();
    inBatch.forEach((r, i) => expect(Math.abs(r.violation! - together[i]!.violation!)).toBeLessThan(0.02));
  });
});

describe('loading', () => {
  it('is `--judge local-cross` and refuses a model whose hash is not the card\'s', async () => {
    const judge = await createJudge('local-cross');
    expect(judge.id).toBe('tenet-local-cross');
    const dir = mkdtempSync(join(tmpdir(), 'tenet-cross-'));
    cpSync(DEFAULT_CROSS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'model.onnx'), 'not a model');
    await expect(createJudge(`local-cross:${dir}`)).rejects.toThrow(/is not the model its card describes/);
    await expect(createJudge(`local-cross:${join(dir, 'missing')}`)).rejects.toThrow(/cannot read the cross-encoder judge's model card/);
  });
});

describe('tenet judge eval with several judges', () => {
  it('scores every judge on the held-out test part when any of them trained on the data, else on every row', () => {
    const judge = (id: string) => ({ id, version: '0', judge: async () => [] }) as unknown as Judge;
    expect(commonPart([judge('tenet-local-fast'), judge('llm:openai:gpt-4o')], 'ethics').part).toBe('test');
    expect(commonPart([judge('llm:openai:gpt-4o')], 'ethics').part).toBe('all');
    expect(commonPart([judge('tenet-local-cross'), judge('llm:openai:gpt-4o')], 'valuecompass-schwartz').part).toBe('test');
    expect(commonPart([judge('tenet-local'), judge('llm:openai:gpt-4o')], 'valuecompass-schwartz').part).toBe('all');
  });

  it('measures each on the same rows and prints them side by side', async () => {
    // the validation part: a test that runs on every CI run must not score a held-out test part
    const args = ['judge', 'eval', '--judge', 'local-cross,local-fast', '--data', `${DATA}valuecompass/mft-cases-dev.jsonl`, '--format', 'valuecompass-mft', '--part', 'validation', '--bootstrap', '50'];
    const text = await runCli(args);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/tenet-local-cross@3\.\d+\.\d+ +tenet-local-fast@/);
    expect(text.stdout).toMatch(/86 rows, the same for every judge/);
    const json = await runCli([...args, '--json']);
    const out = JSON.parse(json.stdout) as { judges: { judge: string; rows: number; part: string }[] };
    expect(out.judges.map((j) => j.judge.split('@')[0])).toEqual(['tenet-local-cross', 'tenet-local-fast']);
    expect(new Set(out.judges.map((j) => `${j.part}:${j.rows}`)).size).toBe(1);
  }, 60_000);
});
