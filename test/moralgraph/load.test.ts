import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadGraph,
  loadValues,
  loadVotes,
  parseGraph,
  parseStudySummary,
  parseVotes,
  votesBefore,
} from '../../src/moralgraph/index.ts';
import { FIXTURES, vote } from './helpers.ts';
import { thrown } from '../support/errors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tenet-mg-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function tmpFile(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

describe('bad input', () => {
  it('a bad vote names the file and the record index and field', () => {
    const file = join(FIXTURES, 'bad-votes.json');
    const error = thrown(() => loadVotes(file));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.exitCode).toBe(2);
    expect(error.location).toEqual({ file, path: '[1].relationship' });
    expect(error.message).toMatch(/\[1\]\.relationship/);
    expect(error.where).toBe(`${file} at [1].relationship`);
  });

  it('a missing field is reported as missing', () => {
    const { createdAt: _drop, ...partial } = vote(1, 2, 'upgrade');
    const error = thrown(() => parseVotes([vote(1, 2, 'upgrade'), partial], 'v.json'));
    expect(error.location?.path).toBe('[1].createdAt');
    expect(error.message).toMatch(/missing/);
  });

  it('an unparseable date is rejected', () => {
    const error = thrown(() => parseVotes([vote(1, 2, 'upgrade', 'c', { createdAt: 'yesterday' })]));
    expect(error.location?.path).toBe('[0].createdAt');
  });

  it('a bad study edge names edges[i] and the field', () => {
    const error = thrown(() =>
      parseStudySummary(
        {
          values: [],
          edges: [
            {
              sourceValueId: 1,
              wiserValueId: 2,
              contexts: [],
              counts: { markedWiser: -1, markedNotWiser: 0, markedLessWise: 0, markedUnsure: 0, impressions: 1 },
              summary: { wiserLikelihood: 1, entropy: 1 },
            },
          ],
        },
        'g.json',
      ),
    );
    expect(error.location).toEqual({ file: 'g.json', path: 'edges[0].counts.markedWiser' });
  });

  it('a bad card names values[i]', () => {
    const file = tmpFile('cards.json', JSON.stringify([{ id: 1, title: 'x', instructionsShort: '', instructionsDetailed: '' }]));
    expect(thrown(() => loadValues(file)).location?.path).toBe('[0].evaluationCriteria');
  });

  it('invalid JSON gives the line', () => {
    const file = tmpFile('broken.json', '[\n  {"a": 1},\n  {"a": 2,}\n]\n');
    const error = thrown(() => loadVotes(file));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.location?.file).toBe(file);
    expect(error.location?.line).toBe(3);
  });

  it('a missing file is NOT_FOUND', () => {
    expect(thrown(() => loadGraph(join(tmp, 'nope.json'))).code).toBe('NOT_FOUND');
  });

  it('an unknown graph format or version is refused', () => {
    expect(thrown(() => parseGraph({ format: 'other', values: [], edges: [] }, 'f.json')).location?.path).toBe('format');
    const error = thrown(() => parseGraph({ format: 'tenet/moral-graph', version: 2 }, 'f.json'));
    expect(error.location?.path).toBe('version');
    expect(error.message).toMatch(/version/);
  });

  it('a bad --before is BAD_USAGE', () => {
    expect(thrown(() => votesBefore([], 'soon')).code).toBe('BAD_USAGE');
  });

  it('votesBefore keeps only strictly earlier votes', () => {
    const a = vote(1, 2, 'upgrade', 'c', { createdAt: '2023-10-18T11:59:59.999Z' });
    const b = vote(1, 2, 'upgrade', 'c', { createdAt: '2023-10-18T12:00:00.000Z' });
    expect(votesBefore([a, b], '2023-10-18T12:00:00Z')).toEqual([a]);
  });
});
