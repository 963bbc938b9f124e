/**
 * A country's value target from European Social Survey Human Values Scale microdata (the 21 portrait items,
 * PVQ-21). No ESS data ships with tenet: download the microdata (CSV) from the ESS data portal and pass it in.
 *
 * Method (docs/align.md):
 *  1. Keep the respondents of the country (column `cntry` by default).
 *  2. Each of the 21 items is answered 1 ("very much like me") … 6 ("not like me at all"); 7, 8, 9 and blanks
 *     (refusal, don't know, no answer) are missing. A respondent with more than 5 of 21 missing is left out.
 *  3. Ratings are reversed (7 − answer) so that higher means "more like me", centred on the respondent's own
 *     mean over the items answered, and averaged per value (portrait.ts).
 *  4. The country score of each value is the mean over respondents, weighted by the weight column if one is
 *     named (e.g. anweight, pspwght, dweight).
 *  5. Rescaled into [−1, 1]: divided by the scale width 5 (`range`), or by the largest |score| (`max`).
 */
import { createReadStream, existsSync } from 'node:fs';
import { parse } from 'csv-parse';
import { TenetError } from '../errors.ts';
import { lineError } from '../jsonl.ts';
import type { SchwartzValueId } from '../values/schwartz.ts';
import { centredScores, rescale, weightedValueMeans, type PortraitItem, type Rescale } from './portrait.ts';
import type { Target } from './targets.ts';

/** The ESS Human Values Scale variables and the value each measures (ESS source questionnaire, items A–U). */
export const ESS_HVS_ITEMS: readonly PortraitItem[] = ([
  ['ipcrtiv', 'self_direction', 'thinking up new ideas and being creative'],
  ['imprich', 'power', 'being rich, having money and expensive things'],
  ['ipeqopt', 'universalism', 'everyone treated equally, with equal opportunities'],
  ['ipshabt', 'achievement', 'showing abilities and being admired'],
  ['impsafe', 'security', 'living in secure and safe surroundings'],
  ['impdiff', 'stimulation', 'trying new and different things'],
  ['ipfrule', 'conformity', 'doing what is told and following rules'],
  ['ipudrst', 'universalism', 'understanding people who are different'],
  ['ipmodst', 'tradition', 'being humble and modest, not drawing attention'],
  ['ipgdtim', 'hedonism', 'having a good time'],
  ['impfree', 'self_direction', 'making own decisions and being free'],
  ['iphlppl', 'benevolence', 'helping people and caring for their well-being'],
  ['ipsuces', 'achievement', 'being very successful and recognised for achievements'],
  ['ipstrgv', 'security', 'a strong government that ensures safety'],
  ['ipadvnt', 'stimulation', 'seeking adventures and an exciting life'],
  ['ipbhprp', 'conformity', 'behaving properly'],
  ['iprspot', 'power', 'getting respect from others'],
  ['iplylfr', 'benevolence', 'being loyal to friends and devoted to close people'],
  ['impenv', 'universalism', 'caring for nature and the environment'],
  ['imptrad', 'tradition', 'following traditions and customs'],
  ['impfun', 'hedonism', 'seeking fun and things that give pleasure'],
] as const).map(([id, value, text]) => ({ id, value: value as SchwartzValueId, text: `(ESS variable ${id}: ${text})` }));

export const ESS_SCALE = { min: 1, max: 6 } as const;
/** Respondents with more missing items than this are left out. */
export const ESS_MAX_MISSING = 5;

export interface SurveyOptions {
  file: string;
  /** ISO 3166 code as in the data (GB, NL, FR, …). */
  country: string;
  countryColumn?: string;
  weightColumn?: string;
  rescale?: Rescale;
}

export interface SurveyTarget extends Target {
  /** Respondents used, per value (those with at least one item of the value answered). */
  n: number[];
  respondents: { used: number; excluded: number; inFile: number };
  /** What a person should know before using the target (e.g. it rests on one respondent); the CLI prints them on stderr. */
  warnings: string[];
}

const PLAIN_DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/**
 * A CSV cell as a number: a plain decimal, or null when blank or text (a missing answer). Anything else that
 * JavaScript would read as a number (`0x4`, `2e0`, `Infinity`) is an error at file:line with the column, not a
 * silent guess.
 */
function cellNumber(raw: string, file: string, line: number, column: string): number | null {
  if (PLAIN_DECIMAL.test(raw)) return Number(raw);
  if (raw === '' || Number.isNaN(Number(raw))) return null;
  throw lineError(file, line, `${JSON.stringify(raw)} in column ${column} is not a plain decimal number`, { path: column, hint: 'write numbers in decimal digits (e.g. 4, 0.75); hexadecimal, exponents and Infinity are not read' });
}

/** Compute a country target from an ESS CSV file, streaming (a full ESS round fits in bounded memory). */
export async function targetFromSurvey(options: SurveyOptions): Promise<SurveyTarget> {
  const { file } = options;
  if (!existsSync(file)) throw new TenetError('NOT_FOUND', `survey file not found: ${file}`, { location: { file }, hint: 'download ESS microdata as CSV from the ESS data portal (any round with the Human Values Scale)' });
  const countryColumn = options.countryColumn ?? 'cntry';
  const country = options.country.trim().toUpperCase();
  const people: { scores: (number | null)[]; weight: number; line: number }[] = [];
  let totalWeight = 0;
  let excluded = 0;
  let inFile = 0;
  const parser = createReadStream(file).pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: false }));
  let checkedHeader = false;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!checkedHeader) {
        checkedHeader = true;
        const missing = [countryColumn, ...ESS_HVS_ITEMS.map((i) => i.id), ...(options.weightColumn ? [options.weightColumn] : [])].filter((c) => !(c in record));
        if (missing.length) {
          throw lineError(file, 1, `the header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, {
            hint: `an ESS file needs ${countryColumn} and the 21 Human Values Scale items (${ESS_HVS_ITEMS.map((i) => i.id).join(', ')})${options.weightColumn ? ` and ${options.weightColumn}` : ''}; use --country-column/--weight to name other columns`,
          });
        }
      }
      inFile++;
      if ((record[countryColumn] ?? '').trim().toUpperCase() !== country) continue;
      const ratings = new Map<string, number>();
      for (const item of ESS_HVS_ITEMS) {
        const answer = cellNumber(record[item.id] ?? '', file, info.lines, item.id);
        if (answer !== null && Number.isInteger(answer) && answer >= ESS_SCALE.min && answer <= ESS_SCALE.max) ratings.set(item.id, ESS_SCALE.max + ESS_SCALE.min - answer);
      }
      let weight = 1;
      if (options.weightColumn) {
        const w = cellNumber(record[options.weightColumn] ?? '', file, info.lines, options.weightColumn);
        if (w === null || !Number.isFinite(w) || w < 0) {
          throw lineError(file, info.lines, `weight ${JSON.stringify(record[options.weightColumn])} is not a non-negative number`, { path: options.weightColumn });
        }
        weight = w;
      }
      const scores = centredScores(ratings, ESS_HVS_ITEMS, { maxMissing: ESS_MAX_MISSING });
      if (!scores) {
        excluded++;
        continue;
      }
      totalWeight += weight;
      // centred scores lie within ±(scale width), so a finite total weight × width keeps every weighted sum finite
      if (!Number.isFinite(totalWeight * (ESS_SCALE.max - ESS_SCALE.min))) {
        throw lineError(file, info.lines, `the weights of column ${options.weightColumn} add up past the largest number a double holds at this row (${totalWeight})`, {
          path: options.weightColumn ?? '', hint: 'weights are relative: divide the column by a constant (e.g. its mean) and try again',
        });
      }
      people.push({ scores, weight, line: info.lines });
    }
  } catch (error) {
    if (error instanceof TenetError) throw error;
    const e = error as { code?: string; lines?: number; message?: string };
    throw new TenetError('BAD_INPUT', `not a readable CSV file: ${e.message ?? String(error)}`, { location: { file, ...(e.lines ? { line: e.lines } : {}) } });
  }
  if (people.length === 0) {
    throw new TenetError('BAD_INPUT', `no usable respondents for country ${country} in ${file} (${inFile} rows, ${excluded} of that country left out for missing answers)`, {
      location: { file },
      hint: `check --country (the values of the ${countryColumn} column, e.g. GB, NL, FR) and --country-column`,
    });
  }
  if (totalWeight === 0) {
    throw lineError(file, people[0]!.line, `every weight in column ${options.weightColumn} is 0 for the ${people.length} respondents of ${country}: a weighted mean of nothing`, {
      path: options.weightColumn ?? '', hint: 'check --weight names the right column (e.g. anweight, pspwght), or leave --weight out',
    });
  }
  const { means, n } = weightedValueMeans(people);
  const how = options.rescale ?? 'range';
  // + 0 turns −0 into 0
  const vector = rescale(means, ESS_SCALE.max - ESS_SCALE.min, how).map((v) => Number(v.toFixed(6)) + 0);
  if (!vector.every(Number.isFinite)) throw new TenetError('BAD_INPUT', `the survey gives a target that is not a number (${vector.join(', ')})`, { location: { file, ...(options.weightColumn ? { path: options.weightColumn } : {}) } });
  if (vector.every((v) => v === 0)) {
    throw new TenetError('BAD_INPUT', `the survey gives an all-zero target for ${country}: every value scores 0, so every reward against it would be 0`, {
      location: { file, line: people[0]!.line, ...(options.weightColumn ? { path: options.weightColumn } : {}) },
      hint: 'the respondents rate every item alike (or their weights cancel out); check the file and --country',
    });
  }
  const weighted = people.filter((p) => p.weight > 0).length;
  const warnings = weighted === 1 ? [`the target rests on one respondent (${file}:${people.find((p) => p.weight > 0)!.line}): it is one person's values, not ${country}'s`] : [];
  return {
    id: `ess-${country.toLowerCase()}`,
    name: `${country} (ESS Human Values Scale)`,
    vector,
    provenance: {
      source: 'survey',
      note: `European Social Survey Human Values Scale, ${country}: ratings centred on each respondent's mean, per-value means${options.weightColumn ? ` weighted by ${options.weightColumn}` : ''}, rescaled by ${how === 'range' ? 'the scale width (5)' : 'the largest |score|'}`,
      details: { file, country, countryColumn, weightColumn: options.weightColumn ?? null, rescale: how, respondents: people.length, excluded, centredMeans: means },
    },
    n,
    respondents: { used: people.length, excluded, inFile },
    warnings,
  };
}
