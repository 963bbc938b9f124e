import { mkdtempSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { parseMftFoundation } from '../../src/values/mft.ts';
import {
  TOUCHE_TO_SCHWARTZ,
  collect,
  loadEthicsCommonsense,
  loadEvaluatorVectors,
  loadFulcra,
  loadTouche,
  loadValueCompassCases,
  readCsv,
} from '../../src/judges/datasets.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/judges/labels.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-judge-data-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function errorOf(p: Promise<unknown>): Promise<TenetError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TenetError);
    return e as TenetError;
  }
  throw new Error('expected an error');
}

const fulcraLine = JSON.stringify({ dialogue: 'Human: Q?\nBob: A.', value_types: ['benevolence: +1', 'humility: 1'], query_source: 'trustworthy', response_source: 'gemini' });

describe('loadFulcra', () => {
  it('parses rows with normalised labels and line numbers', async () => {
    const rows = await collect(loadFulcra(file('ok.jsonl', `${fulcraLine}\n\n${fulcraLine}\n`)));
    expect(rows.map((r) => r.line)).toEqual([1, 3]);
    expect(rows[0]!.prompt).toBe('Q?');
    expect(rows[0]!.labels[SCHWARTZ_VALUE_IDS.indexOf('conformity')]).toBe(1);
  });
  it('names file and line for a line that is not JSON', async () => {
    const p = file('bad-json.jsonl', `${fulcraLine}\n{"dialogue": oops\n`);
    const e = await errorOf(collect(loadFulcra(p)));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.location).toMatchObject({ file: p, line: 2 });
    expect(e.where).toBe(`${p}:2`);
  });
  it('names file and line for a bad label, a missing field and a bad dialogue', async () => {
    const badLabel = file('bad-label.jsonl', `${fulcraLine}\n${fulcraLine}\n${JSON.stringify({ dialogue: 'Human: q\nBob: a', value_types: ['security: yes'] })}\n`);
    expect((await errorOf(collect(loadFulcra(badLabel)))).location).toMatchObject({ line: 3, path: 'value_types[0]' });
    const missing = file('missing.jsonl', `${JSON.stringify({ dialogue: 'Human: q\nBob: a' })}\n`);
    expect((await errorOf(collect(loadFulcra(missing)))).location).toMatchObject({ line: 1, path: 'value_types' });
    const noBob = file('nobob.jsonl', `${JSON.stringify({ dialogue: 'Human: q', value_types: [] })}\n`);
    expect((await errorOf(collect(loadFulcra(noBob)))).location).toMatchObject({ line: 1 });
  });
  it('skips bad rows through onError when asked', async () => {
    const errors: TenetError[] = [];
    const p = file('skip.jsonl', `${fulcraLine}\nnot json\n${fulcraLine}\n`);
    const rows = await collect(loadFulcra(p, { onError: (e) => errors.push(e) }));
    expect(rows).toHaveLength(2);
    expect(errors.map((e) => e.location?.line)).toEqual([2]);
  });
});

describe('other JSONL loaders', () => {
  it('evaluator vectors need 10 numbers', async () => {
    const good = JSON.stringify({ prompt: 'p', answer: 'a', value_reward: Array(10).fill(0.5) });
    const bad = JSON.stringify({ prompt: 'p', answer: 'a', value_reward: [1, 2] });
    const p = file('ev.jsonl', `${good}\n${bad}\n`);
    expect((await errorOf(collect(loadEvaluatorVectors(p)))).location).toMatchObject({ file: p, line: 2, path: 'value_reward' });
  });
  it('Value Compass cases: foundation ids, labels and a null answer', async () => {
    const row = { model: 'm', value: 'Care/Harm', score: 0.01, label: 'low', prompt: 'p', answer: 'a', highlight: null };
    const p = file('mft.jsonl', `${JSON.stringify(row)}\n${JSON.stringify({ ...row, answer: null })}\n`);
    expect((await errorOf(collect(loadValueCompassCases(p, 'mft')))).location).toMatchObject({ line: 2, path: 'answer' });
    const ok = await collect(loadValueCompassCases(p, 'mft', { onError: () => {} }));
    expect(ok[0]).toMatchObject({ foundation: 'care', violates: true, response: 'a' });
    const badLabel = file('mft2.jsonl', `${JSON.stringify({ ...row, label: 'mid' })}\n`);
    expect((await errorOf(collect(loadValueCompassCases(badLabel, 'mft')))).location).toMatchObject({ line: 1, path: 'label' });
    expect(parseMftFoundation('Sanctity/Degradation')).toBe('sanctity');
    expect(parseMftFoundation('purity')).toBe('sanctity');
    expect(parseMftFoundation('nonsense')).toBeUndefined();
  });
});

describe('CSV', () => {
  it('parses quoted fields with commas, doubled quotes and newlines, and CRLF', async () => {
    const p = file('q.csv', 'label,input,is_short,edited\r\n1,"I said ""no"", then left\nand came back",False,True\r\n0,plain,True,False\n');
    const rows = await collect(loadEthicsCommonsense(p));
    expect(rows).toEqual([
      { line: 2, label: 1, input: 'I said "no", then left\nand came back', isShort: false, edited: true },
      { line: 4, label: 0, input: 'plain', isShort: true, edited: false },
    ]);
  });
  it('handles a last record without a newline and empty fields', async () => {
    const recs = await collect(readCsv(file('last.csv', 'a,b\n,x\n"y",')));
    expect(recs).toEqual([
      [1, ['a', 'b']],
      [2, ['', 'x']],
      [3, ['y', '']],
    ]);
  });
  it('names file and line for malformed CSV', async () => {
    const unterminated = file('u.csv', 'label,input\n0,ok\n1,"never closed\nstill open\n');
    expect((await errorOf(collect(readCsv(unterminated)))).location).toMatchObject({ file: unterminated, line: 3 });
    const stray = file('s.csv', 'label,input\n0,ok\n1,bad"quote\n');
    expect((await errorOf(collect(readCsv(stray)))).location).toMatchObject({ line: 3 });
    const after = file('a.csv', 'label,input\n"0"x,ok\n');
    expect((await errorOf(collect(readCsv(after)))).location).toMatchObject({ line: 2 });
    const badLabel = file('l.csv', 'label,input,is_short,edited\n0,ok,True,False\n7,bad,True,False\n');
    expect((await errorOf(collect(loadEthicsCommonsense(badLabel)))).location).toMatchObject({ line: 3, path: 'label' });
    const fields = file('f.csv', 'label,input,is_short,edited\n0,ok\n');
    expect((await errorOf(collect(loadEthicsCommonsense(fields)))).message).toMatch(/expected 4 fields/);
  });
});

describe('Touché23', () => {
  const header = ['Argument ID', ...Object.keys(TOUCHE_TO_SCHWARTZ)].join('\t');
  it('maps all 20 refined values onto the 10', () => {
    expect(Object.keys(TOUCHE_TO_SCHWARTZ)).toHaveLength(20);
    expect(new Set(Object.values(TOUCHE_TO_SCHWARTZ)).size).toBe(10);
    expect(TOUCHE_TO_SCHWARTZ['Humility']).toBe('conformity');
    expect(TOUCHE_TO_SCHWARTZ['Face']).toBe('power');
  });
  it('joins arguments and labels and folds the values', async () => {
    const labels = file('l.tsv', `${header}\nA1\t${['1', ...Array(13).fill('0'), '1', ...Array(5).fill('0')].join('\t')}\n`);
    const args = file('a.tsv', 'Argument ID\tConclusion\tStance\tPremise\nA1\tWe should x\tin favor of\tbecause y\n');
    const rows = await collect(loadTouche(args, labels));
    expect(rows[0]!.values[SCHWARTZ_VALUE_IDS.indexOf('self_direction')]).toBe(1);
    expect(rows[0]!.values[SCHWARTZ_VALUE_IDS.indexOf('benevolence')]).toBe(1);
    expect(rows[0]!.values.reduce((a: number, b) => a + b, 0)).toBe(2);
  });
  it('names file and line for a bad label or a short row', async () => {
    const labels = file('l2.tsv', `${header}\nA1\t${Array(19).fill('0').join('\t')}\t2\n`);
    expect((await errorOf(collect(loadTouche(file('a2.tsv', 'h\n'), labels)))).location).toMatchObject({ file: labels, line: 2 });
    const okLabels = file('l3.tsv', `${header}\nA1\t${Array(20).fill('0').join('\t')}\n`);
    const args = file('a3.tsv', 'Argument ID\tConclusion\tStance\tPremise\nA1\tonly two\n');
    expect((await errorOf(collect(loadTouche(args, okLabels)))).location).toMatchObject({ file: args, line: 2 });
  });
});

const shared = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
describe.runIf(existsSync(shared))('the real reference files', () => {
  it('load with the documented row counts', async () => {
    const fulcra = await collect(loadFulcra(join(shared, 'fulcra/trustworthy-dev.jsonl')));
    expect(fulcra).toHaveLength(1233);
    expect(fulcra.filter((r) => r.labels.includes(-1))).toHaveLength(159);
    expect(fulcra.filter((r) => r.conflicts.length > 0)).toHaveLength(19);
    const ethics = await collect(loadEthicsCommonsense(join(shared, 'ethics/commonsense-test.csv')));
    expect(ethics).toHaveLength(3885);
    expect(ethics.filter((r) => r.label === 1)).toHaveLength(1816);
    const mft = await collect(loadValueCompassCases(join(shared, 'valuecompass/mft-cases-dev.jsonl'), 'mft'));
    expect(mft).toHaveLength(383);
    const touche = await collect(loadTouche(join(shared, 'touche23/arguments-training.tsv'), join(shared, 'touche23/labels-training.tsv')));
    expect(touche).toHaveLength(5393);
  });
});
