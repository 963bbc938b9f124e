import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_QUESTIONNAIRE, checkAnswers, readQuestionnaire, targetFromAnswers } from '../../src/align/questionnaire.ts';
import { ESS_HVS_ITEMS, targetFromSurvey } from '../../src/align/survey.ts';
import { loadTarget, readTargetFile } from '../../src/align/targets.ts';
import { TenetError } from '../../src/errors.ts';
import { runCli } from '../support/cli.ts';

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

  it('refuses weights that give no target, non-decimal numbers and an all-zero target at file:line with the column; warns on one respondent', async () => {
    const csv = (name: string, rows: [string, string, (c: string) => string][]): string => {
      const file = join(dir, name);
      writeFileSync(file, `cntry,w,${COLUMNS.join(',')}\n${rows.map(([cntry, w, a]) => [cntry, w, ...COLUMNS.map(a)].join(',')).join('\n')}\n`);
      return file;
    };
    const varied = (c: string): string => (SD.has(c) ? '1' : '3');
    const other = (c: string): string => (UN.has(c) ? '6' : '2');
    const zero = await targetFromSurvey({ file: csv('zero.csv', [['GB', '0', varied], ['GB', '0', other]]), country: 'GB', weightColumn: 'w' }).catch((e) => e);
    expect(zero).toBeInstanceOf(TenetError);
    expect(zero.location).toMatchObject({ line: 2, path: 'w' });
    expect(zero.message).toMatch(/every weight in column w is 0/);
    const huge = await targetFromSurvey({ file: csv('huge.csv', [['GB', `1${'0'.repeat(308)}`, varied], ['GB', `1${'0'.repeat(308)}`, other]]), country: 'GB', weightColumn: 'w' }).catch((e) => e);
    expect(huge).toBeInstanceOf(TenetError);
    expect(huge.location).toMatchObject({ line: 2, path: 'w' });
    expect(huge.message).toMatch(/add up past the largest number/);
    for (const raw of ['0x4', '2e0', 'Infinity']) {
      const e = await targetFromSurvey({ file: csv('hex.csv', [['GB', '1', varied], ['GB', '1', (c) => (c === 'impsafe' ? raw : other(c))]]), country: 'GB' }).catch((err) => err);
      expect(e).toBeInstanceOf(TenetError);
      expect(e.location).toMatchObject({ line: 3, path: 'impsafe' });
      expect(e.message).toContain(`"${raw}" in column impsafe is not a plain decimal number`);
    }
    const w = await targetFromSurvey({ file: csv('hexw.csv', [['GB', '0x4', varied]]), country: 'GB', weightColumn: 'w' }).catch((err) => err);
    expect(w.location).toMatchObject({ line: 2, path: 'w' });
    const flat = await targetFromSurvey({ file: csv('flat.csv', [['GB', '1', () => '3'], ['GB', '1', () => '5']]), country: 'GB' }).catch((e) => e);
    expect(flat).toBeInstanceOf(TenetError);
    expect(flat.message).toMatch(/all-zero target/);
    const one = await targetFromSurvey({ file: csv('one.csv', [['GB', '1', varied]]), country: 'GB' });
    expect(one.warnings).toEqual([`the target rests on one respondent (${join(dir, 'one.csv')}:2): it is one person's values, not GB's`]);
    const two = await targetFromSurvey({ file: csv('two.csv', [['GB', '1', varied], ['GB', '1', other]]), country: 'GB' });
    const cli = await runCli(['align', 'target', 'from-survey', join(dir, 'one.csv'), '--country', 'GB']);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain('warning: the target rests on one respondent');
    const cliZero = await runCli(['align', 'target', 'from-survey', join(dir, 'zero.csv'), '--country', 'GB', '--weight', 'w']);
    expect(cliZero.code).toBe(2);
    expect(cliZero.stderr).toContain(`error [BAD_INPUT] (${join(dir, 'zero.csv')}:2 at w): every weight in column w is 0`);
    expect(two.warnings).toEqual([]);
    expect(two.vector.every(Number.isFinite)).toBe(true);
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
    expect(() => targetFromAnswers(BUILTIN_QUESTIONNAIRE, checkAnswers(BUILTIN_QUESTIONNAIRE, all))).toThrow(/every item has the same answer, so the target is all 0/);
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
    const zeros = join(dir, 'zeros.yaml');
    writeFileSync(zeros, 'id: nothing\nvalues: {benevolence: 0}\n');
    const z = (() => { try { loadTarget(zeros); } catch (err) { return err as TenetError; } })();
    expect(z).toBeInstanceOf(TenetError);
    expect(z!.location).toMatchObject({ file: zeros, line: 2, path: 'values' });
    expect(z!.message).toMatch(/all 0/);
  });
});
