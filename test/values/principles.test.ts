import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { MFT_CORE_IDS } from '../../src/values/mft.ts';
import {
  DEFAULT_PRINCIPLES_FILE,
  NEAR_DUPLICATE_THRESHOLD,
  SHIPPED_PRINCIPLE_ID_PATTERN,
  contentWords,
  findNearDuplicates,
  loadPrinciples,
  normalisePrinciple,
  principleSimilarity,
  principlesByFoundation,
  streamPrinciples,
  type Principle,
} from '../../src/values/principles.ts';

const shipped = await loadPrinciples();

const dir = mkdtempSync(join(tmpdir(), 'tenet-principles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
function writeJsonl(lines: string[]): string {
  const file = join(dir, `p${++fileCount}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
const good = (id: string, foundation = 'care', polarity = 'vice', principle = 'It is wrong to kick a dog.') =>
  JSON.stringify({ id, foundation, polarity, principle });

async function loadError(file: string): Promise<TenetError> {
  try {
    await loadPrinciples(file);
  } catch (e) {
    expect(e).toBeInstanceOf(TenetError);
    return e as TenetError;
  }
  throw new Error(`expected ${file} to be rejected`);
}

describe('the shipped principle library', () => {
  it('loads from the default location, by URL or by path', async () => {
    expect(shipped.length).toBeGreaterThan(0);
    expect(DEFAULT_PRINCIPLES_FILE.endsWith(join('data', 'principles', 'principles.jsonl'))).toBe(true);
    expect(await loadPrinciples(DEFAULT_PRINCIPLES_FILE)).toEqual(shipped);
  });

  it('resolves the data folder the same way from src/values and dist/values', () => {
    for (const from of ['src', 'dist']) {
      const module = pathToFileURL(`/pkg/${from}/values/principles.js`);
      expect(fileURLToPath(new URL('../../data/principles/principles.jsonl', module))).toBe(
        fileURLToPath(pathToFileURL('/pkg/data/principles/principles.jsonl')),
      );
    }
  });

  it('has at least 500 principles and at least 80 per foundation, each with both polarities', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(500);
    const byFoundation = principlesByFoundation(shipped);
    for (const id of MFT_CORE_IDS) {
      const list = byFoundation[id];
      expect(list.length, id).toBeGreaterThanOrEqual(80);
      expect(list.some((p) => p.polarity === 'virtue'), `${id} virtue`).toBe(true);
      expect(list.some((p) => p.polarity === 'vice'), `${id} vice`).toBe(true);
      // A real mix, not a token one.
      expect(list.filter((p) => p.polarity === 'virtue').length, `${id} virtue share`).toBeGreaterThanOrEqual(20);
      expect(list.filter((p) => p.polarity === 'vice').length, `${id} vice share`).toBeGreaterThanOrEqual(20);
    }
  });

  it('has unique, well-formed ids whose prefix is the foundation', () => {
    const ids = shipped.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of shipped) {
      expect(p.id, p.id).toMatch(SHIPPED_PRINCIPLE_ID_PATTERN);
      expect(p.id.startsWith(`${p.foundation}-`), p.id).toBe(true);
    }
  });

  it('words each polarity the way the README says', () => {
    const proscription = /^(It's (wrong|cruel|rude|degrading) |You shouldn't )/;
    for (const p of shipped) {
      if (p.polarity === 'vice') expect(p.principle, p.id).toMatch(proscription);
      else expect(p.principle, p.id).not.toMatch(proscription);
    }
  });

  it('keeps each principle a short sentence of 5 to 20 words', () => {
    for (const p of shipped) {
      const words = p.principle.split(/\s+/).length;
      expect(words, `${p.id}: ${p.principle}`).toBeGreaterThanOrEqual(5);
      expect(words, `${p.id}: ${p.principle}`).toBeLessThanOrEqual(20);
      expect(p.principle, p.id).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('has no exact duplicates after normalisation', () => {
    const seen = new Map<string, string>();
    for (const p of shipped) {
      const key = normalisePrinciple(p.principle);
      expect(seen.get(key), `${p.id} repeats ${seen.get(key)}`).toBeUndefined();
      seen.set(key, p.id);
      const words = contentWords(p.principle).sort().join(' ');
      expect(seen.get(`words:${words}`), `${p.id} has the same content words as ${seen.get(`words:${words}`)}`).toBeUndefined();
      seen.set(`words:${words}`, p.id);
    }
  });

  it('has no near-duplicates at the library threshold', () => {
    const pairs = findNearDuplicates(shipped, NEAR_DUPLICATE_THRESHOLD);
    expect(pairs.map((d) => `${d.a.id} ~ ${d.b.id} (${d.similarity.toFixed(3)})`)).toEqual([]);
  });
});

describe('findNearDuplicates', () => {
  const promise: Principle = { id: 'x-1', foundation: 'loyalty', polarity: 'vice', principle: "It's wrong to break a promise to a friend." };
  const paraphrase: Principle = { id: 'x-2', foundation: 'fairness', polarity: 'vice', principle: 'Breaking a promise made to a friend is wrong.' };

  it('finds a planted paraphrase pair, alone or hidden in the shipped library', () => {
    const alone = findNearDuplicates([promise, paraphrase]);
    expect(alone).toHaveLength(1);
    expect(alone[0]!.a).toBe(promise);
    expect(alone[0]!.b).toBe(paraphrase);
    expect(alone[0]!.similarity).toBeGreaterThanOrEqual(NEAR_DUPLICATE_THRESHOLD);
    expect(alone[0]!.similarity).toBeLessThanOrEqual(1);

    const mixed = [...shipped.slice(0, 200), promise, ...shipped.slice(200), paraphrase];
    const found = findNearDuplicates(mixed);
    expect(found.map((d) => [d.a.id, d.b.id])).toEqual([['x-1', 'x-2']]);
  });

  it('sees through contractions, case, punctuation, the rule frame and word forms', () => {
    expect(principleSimilarity('You should comfort a grieving friend.', 'You should comfort a friend who is grieving.').similarity).toBe(1);
    expect(principleSimilarity("It's wrong to cut in line.", "you shouldn't CUT in line!").similarity).toBe(1);
    expect(normalisePrinciple('It’s wrong to lie.')).toBe(normalisePrinciple("it's WRONG to lie"));
    expect(contentWords("It's wrong to break a promise to a friend.")).toEqual(['break', 'promis', 'friend']);
    expect(contentWords('Friends broke promises.')).toEqual(['friend', 'break', 'promis']);
  });

  it('keeps different rules that share a word apart', () => {
    const exam = "It's wrong to cheat on an exam.";
    expect(principleSimilarity(exam, "It's wrong to cheat on your taxes.").similarity).toBeLessThan(NEAR_DUPLICATE_THRESHOLD);
    expect(principleSimilarity(exam, 'You should comfort a friend who is grieving.').similarity).toBe(0);
  });

  it('orders pairs most similar first and honours the threshold', () => {
    const list = [
      { principle: "It's wrong to leave a dog locked in a hot car." },
      { principle: 'Never lock your dog in a hot car.' },
      { principle: "It's wrong to break a promise to a friend." },
      { principle: 'You should never break a promise to a friend.' },
    ];
    const pairs = findNearDuplicates(list);
    expect(pairs).toHaveLength(2);
    expect(pairs[0]!.similarity).toBeGreaterThanOrEqual(pairs[1]!.similarity);
    expect(pairs[0]!.a).toBe(list[2]);
    expect(findNearDuplicates(list, 1)).toHaveLength(1);
    expect(findNearDuplicates(list, 0)).toHaveLength(6);
  });

  it('rejects a threshold outside 0..1', () => {
    expect(() => findNearDuplicates([], 1.5)).toThrow(TenetError);
    expect(() => findNearDuplicates([], Number.NaN)).toThrow(/between 0 and 1/);
  });
});

describe('loadPrinciples on user files', () => {
  it('loads a valid file, skipping blank lines and ignoring extra fields', async () => {
    const file = writeJsonl([
      good('mine-1'),
      '',
      JSON.stringify({ id: 'mine-2', foundation: 'sanctity', polarity: 'virtue', principle: ' You should wash your hands. ', source: 'me' }),
    ]);
    expect(await loadPrinciples(file)).toEqual([
      { id: 'mine-1', foundation: 'care', polarity: 'vice', principle: 'It is wrong to kick a dog.' },
      { id: 'mine-2', foundation: 'sanctity', polarity: 'virtue', principle: 'You should wash your hands.' },
    ]);
  });

  it('reports bad JSON at file:line', async () => {
    const file = writeJsonl([good('a'), '', '{"id": "b", "foundation": "care",']);
    const e = await loadError(file);
    expect(e.code).toBe('BAD_INPUT');
    expect(e.location).toMatchObject({ file, line: 3 });
    expect(e.where).toBe(`${file}:3`);
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.where).toBe(`${file}:3`);
  });

  it('reports a line that is not an object', async () => {
    const e = await loadError(writeJsonl([good('a'), '["care", "vice"]']));
    expect(e.location?.line).toBe(2);
    expect(e.message).toMatch(/not a JSON object/);
  });

  it('names a missing field', async () => {
    const file = writeJsonl([good('a'), JSON.stringify({ id: 'b', foundation: 'care', polarity: 'vice' })]);
    const e = await loadError(file);
    expect(e.code).toBe('BAD_INPUT');
    expect(e.location).toEqual({ file, line: 2, path: 'principle' });
    expect(e.message).toBe('field "principle": missing');
    expect(e.where).toBe(`${file}:2 at principle`);
  });

  it('names an unknown foundation', async () => {
    const file = writeJsonl([good('a'), good('b'), good('c', 'harm')]);
    const e = await loadError(file);
    expect(e.location).toEqual({ file, line: 3, path: 'foundation' });
    expect(e.message).toContain('field "foundation": unknown foundation "harm"');
    expect(e.where).toBe(`${file}:3 at foundation`);
    expect(e.message).toContain('care, fairness, loyalty, authority, sanctity');
    expect(e.hint).toBeTruthy();
  });

  it('rejects liberty, which is not one of the five core foundations', async () => {
    const e = await loadError(writeJsonl([good('a', 'liberty')]));
    expect(e.location?.path).toBe('foundation');
  });

  it('names a bad polarity', async () => {
    const file = writeJsonl([good('a', 'care', 'good')]);
    const e = await loadError(file);
    expect(e.location).toEqual({ file, line: 1, path: 'polarity' });
    expect(e.message).toBe('field "polarity": bad polarity "good"; expected "virtue" or "vice"');
    expect(e.where).toBe(`${file}:1 at polarity`);
  });

  it('names a duplicate id and the line that first used it', async () => {
    const file = writeJsonl([good('a'), good('b'), '', good('a', 'fairness')]);
    const e = await loadError(file);
    expect(e.location).toEqual({ file, line: 4, path: 'id' });
    expect(e.message).toBe('duplicate id "a" (first used on line 1)');
    expect(e.where).toBe(`${file}:4 at id`);
  });

  it('rejects bad ids, empty principles and wrong types', async () => {
    expect((await loadError(writeJsonl([good('has space')]))).location?.path).toBe('id');
    expect((await loadError(writeJsonl([good('a', 'care', 'vice', '   ')]))).message).toMatch(/"principle": must not be empty/);
    const e = await loadError(writeJsonl([JSON.stringify({ id: 7, foundation: 'care', polarity: 'vice', principle: 'x' })]));
    expect(e.message).toMatch(/field "id": expected a string, got 7/);
  });

  it('reports the first bad field in a fixed order', async () => {
    const e = await loadError(writeJsonl([JSON.stringify({ id: 'a', foundation: 'nope', polarity: 'nope' })]));
    expect(e.location?.path).toBe('foundation');
  });

  it('streams: rows before a bad line are yielded before the error', async () => {
    const file = writeJsonl([good('a'), good('b'), 'oops']);
    const seen: string[] = [];
    await expect(async () => {
      for await (const p of streamPrinciples(file)) seen.push(p.id);
    }).rejects.toMatchObject({ message: expect.stringMatching(/not valid JSON/), location: { file, line: 3 } });
    expect(seen).toEqual(['a', 'b']);
  });

  it('rejects a missing file and an empty one', async () => {
    const missing = await loadError(join(dir, 'nope.jsonl'));
    expect(missing.code).toBe('NOT_FOUND');
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n\n');
    const e = await loadError(empty);
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/no principles/);
  });

  it('accepts a BOM and CRLF line ends', async () => {
    const file = join(dir, 'crlf.jsonl');
    writeFileSync(file, `\uFEFF${good('a')}\r\n${good('b')}\r\n`);
    expect((await loadPrinciples(file)).map((p) => p.id)).toEqual(['a', 'b']);
  });
});
