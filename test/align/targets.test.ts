import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_QUESTIONNAIRE, checkAnswers, readQuestionnaire, targetFromAnswers } from '../../src/align/questionnaire.ts';
import { ESS_HVS_ITEMS, targetFromSurvey } from '../../src/align/survey.ts';
import { loadTarget, readTargetFile } from '../../src/align/targets.ts';
import { TenetError } from '../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-align-targets-'));
const COLUMNS = ESS_HVS_ITEMS.map((i) => i.id);
const SD = new Set(['ipcrtiv', 'impfree']);
const UN = new Set(['ipeqopt', 'ipudrst', 'impenv']);

/** A synthetic ESS extract: A and B in GB (weights 3 and 1), C in GB with 6 missing answers (left out), D in FR. */
function writeSurvey(): string {
  const row = (cntry: string, weight: number, answer: (item: string) => number | string) => [cntry, String(weight), ...COLUMNS.map((c) => String(answer(c)))].join(',');
  const lines = [
    ['cntry', 'anweight', ...COLUMNS].join(','),
    row('GB', 3, (c) => (SD.has(c) ? 1 : 3)), // A: 1 = very much like me on self-direction, 3 elsewhere
    row('GB', 1, (c) => (UN.has(c) ? 6 : 2)), // B: universalism not like them at all, 2 elsewhere
    row('GB', 5, (c) => (COLUMNS.indexOf(c) < 6 ? 9 : 1)), // C: 6 items "no answer" → left out
    row('FR', 1, () => 1),
  ];
  const file = join(dir, 'ess.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('targets from survey data', () => {
  it('scores a synthetic ESS extract by hand: reversed, centred per respondent, per-value means, weighted, rescaled by 5', async () => {
    const file = writeSurvey();
    // A (recoded 7 − answer): SD items 6, others 4; mean 88/21 → SD 38/21, others −4/21
    // B: UN items 1, others 5; mean 93/21 → UN −72/21, others 12/21
    const unweighted = await targetFromSurvey({ file, country: 'gb' });
    expect(unweighted.respondents).toEqual({ used: 2, excluded: 1, inFile: 4 });
    expect(unweighted.vector[0]).toBeCloseTo((38 / 21 + 12 / 21) / 2 / 5, 6); // self_direction
    expect(unweighted.vector[9]).toBeCloseTo((-4 / 21 - 72 / 21) / 2 / 5, 6); // universalism
    expect(unweighted.vector[4]).toBeCloseTo((-4 / 21 + 12 / 21) / 2 / 5, 6); // power
    // weighted 3:1 → SD (3·38 + 12)/84 = 1.5 → 0.3; UN (3·−4 − 72)/84 = −1 → −0.2; others (−12 + 12)/84 = 0
    const weighted = await targetFromSurvey({ file, country: 'GB', weightColumn: 'anweight' });
    expect(weighted.vector).toEqual([0.3, 0, 0, 0, 0, 0, 0, 0, 0, -0.2]);
    expect(weighted.provenance).toMatchObject({ source: 'survey', details: { country: 'GB', weightColumn: 'anweight', respondents: 2, excluded: 1 } });
    // max rescaling makes the strongest value 1
    const max = await targetFromSurvey({ file, country: 'GB', weightColumn: 'anweight', rescale: 'max' });
    expect(max.vector[0]).toBe(1);
    expect(max.vector[9]).toBeCloseTo(-2 / 3, 6);
  });

  it('says what is wrong with a survey file: missing columns at line 1, no respondents, a bad weight at its line', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'cntry,ipcrtiv\nGB,1\n');
    const e1 = await targetFromSurvey({ file: bad, country: 'GB' }).catch((e) => e);
    expect(e1).toBeInstanceOf(TenetError);
    expect(e1.location).toMatchObject({ file: bad, line: 1 });
    expect(e1.message).toContain('imprich');
    const file = writeSurvey();
    const e2 = await targetFromSurvey({ file, country: 'NL' }).catch((e) => e);
    expect(e2.message).toContain('no usable respondents for country NL');
    const weights = join(dir, 'weights.csv');
    writeFileSync(weights, `cntry,w,${COLUMNS.join(',')}\nGB,1,${COLUMNS.map(() => 2).join(',')}\nGB,oops,${COLUMNS.map(() => 2).join(',')}\n`);
    const e3 = await targetFromSurvey({ file: weights, country: 'GB', weightColumn: 'w' }).catch((e) => e);
    expect(e3.location).toMatchObject({ line: 3, path: 'w' });
  });
});

describe('the questionnaire', () => {
  it('has 21 items in its own words covering every value, and scores answers the same way', () => {
    expect(BUILTIN_QUESTIONNAIRE.items).toHaveLength(21);
    expect(BUILTIN_QUESTIONNAIRE.source).toContain('not the validated PVQ');
    // everything 3 except both benevolence items 6: mean (19·3 + 12)/21 = 69/21; benevolence 6 − 69/21 = 57/21, others −6/21
    const answers = Object.fromEntries(BUILTIN_QUESTIONNAIRE.items.map((i) => [i.id, i.value === 'benevolence' ? 6 : 3]));
    const t = targetFromAnswers(BUILTIN_QUESTIONNAIRE, checkAnswers(BUILTIN_QUESTIONNAIRE, answers), { id: 'me' });
    expect(t.vector[8]).toBeCloseTo(57 / 21 / 5, 5);
    expect(t.vector[0]).toBeCloseTo(-6 / 21 / 5, 5);
    expect(t.provenance.source).toBe('questionnaire');
  });

  it('rejects incomplete or out-of-range answers and accepts user-supplied items', () => {
    expect(() => checkAnswers(BUILTIN_QUESTIONNAIRE, { q01: 3 })).toThrow(/q02 is not answered/);
    const all = Object.fromEntries(BUILTIN_QUESTIONNAIRE.items.map((i) => [i.id, 3]));
    expect(() => checkAnswers(BUILTIN_QUESTIONNAIRE, { ...all, q05: 7 })).toThrow(/q05: 7 is not an integer from 1 to 6/);
    expect(() => checkAnswers(BUILTIN_QUESTIONNAIRE, { ...all, q99: 1 })).toThrow(/unknown item "q99"/);
    const items = join(dir, 'items.yaml');
    writeFileSync(items, `scale: {min: 0, max: 4}\nitems:\n${['self_direction', 'stimulation', 'hedonism', 'achievement', 'power', 'security', 'tradition', 'conformity', 'benevolence', 'universalism'].map((v, i) => `  - {id: o${i}, value: ${v}, text: "official item ${i}"}`).join('\n')}\n`);
    const q = readQuestionnaire(items);
    expect(q.scale).toMatchObject({ min: 0, max: 4 });
    const t = targetFromAnswers(q, checkAnswers(q, Object.fromEntries(q.items.map((it, i) => [it.id, i === 0 ? 4 : 0]))));
    expect(t.vector[0]).toBeCloseTo((4 - 0.4) / 4, 6);
  });
});

describe('target files', () => {
  it('reads YAML with an object or a list, and reports problems with line and field path', () => {
    const ok = join(dir, 'ok.yaml');
    writeFileSync(ok, 'id: mine\nvalues: {benevolence: 0.8, power: -0.5}\n');
    expect(loadTarget(ok).vector).toEqual([0, 0, 0, 0, -0.5, 0, 0, 0, 0.8, 0]);
    const list = join(dir, 'list.json');
    writeFileSync(list, JSON.stringify({ id: 'l', values: [0, 0, 0, 0, 0, 1, 0, 0, 0, 0] }));
    expect(readTargetFile(list).vector[5]).toBe(1);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'id: mine\nvalues:\n  benevolence: 1.5\n  kindness: 1\n');
    const e = (() => { try { loadTarget(bad); } catch (err) { return err as TenetError; } })();
    expect(e).toBeInstanceOf(TenetError);
    expect(e!.message).toContain('values.benevolence');
    expect(e!.message).toContain('values.kindness');
    expect(e!.location).toMatchObject({ file: bad, line: 3, path: 'values.benevolence' });
    expect(() => loadTarget('nowhere')).toThrow(/not a preset and no such file/);
  });
});
