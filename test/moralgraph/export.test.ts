import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildStudySummary,
  buildTenetGraph,
  loadValues,
  loadVotes,
  parseGraph,
  parseStudySummary,
  parseTenetGraph,
  readJsonFile,
  studyToTenet,
  tenetToStudy,
  votesBefore,
} from '../../src/moralgraph/index.ts';
import { FIXTURES, STUDY_CUTOFF, STUDY_DIR } from './helpers.ts';

const studyFile = join(STUDY_DIR, 'dft-moral-graph-all-participants.json');
const roundTrip = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

describe('import (study → tenet) and export (tenet → study)', () => {
  it('study → tenet → study is the identity on the released graph', () => {
    const raw = readJsonFile(studyFile).data;
    const tenet = studyToTenet(parseStudySummary(raw), { role: 'study-summary', name: 'x.json' });
    expect(tenet.values).toHaveLength(60);
    expect(tenet.edges).toHaveLength(69);
    expect(tenet.contexts).toHaveLength(11);
    expect(tenet.aggregation.mode).toBe('study');
    expect(JSON.stringify(tenetToStudy(tenet))).toBe(JSON.stringify(raw));
  });

  it('a tenet graph survives JSON and re-validation unchanged (study mode, improved mode, allEdges)', () => {
    const { votes } = loadVotes(join(FIXTURES, 'votes-small.json'));
    const { values } = loadValues(join(FIXTURES, 'cards-small.json'));
    for (const mode of ['study', 'improved'] as const) {
      const graph = buildTenetGraph(votes, { mode, values, includeAll: true, votesBefore: STUDY_CUTOFF });
      const loaded = parseGraph(roundTrip(graph));
      expect(loaded.kind).toBe('tenet');
      expect(loaded.graph).toEqual(graph);
    }
  });

  it('the small fixture: study mode keeps the chain 1→2→3→4, improved mode only 1→2', () => {
    const { votes } = loadVotes(join(FIXTURES, 'votes-small.json'));
    const { values } = loadValues(join(FIXTURES, 'cards-small.json'));
    const window = votesBefore(votes, STUDY_CUTOFF);
    const study = buildStudySummary(window, values);
    expect(study.edges.map((e) => [e.sourceValueId, e.wiserValueId, e.summary.wiserLikelihood])).toEqual([
      [1, 2, 5 / 6],
      [2, 3, 0.75],
      [3, 4, 0.5],
    ]);
    expect(study.values.map((v) => v.id)).toEqual([1, 2, 3, 4]);
    const improved = buildTenetGraph(window, { mode: 'improved', values });
    expect(improved.edges.map((e) => [e.from, e.to, e.contexts])).toEqual([[1, 2, ['When in distress']]]);
    expect(improved.values.map((v) => v.id)).toEqual([1, 2]);
    expect(improved.provenance).toMatchObject({ source: 'votes', voteCount: 15, voterCount: 15, duplicatesDropped: 0, runIds: ['run-1'] });
  });

  it('an improved graph exports to the study shape with summaries from the study formulas', () => {
    const { votes } = loadVotes(join(FIXTURES, 'votes-small.json'));
    const study = tenetToStudy(buildTenetGraph(votesBefore(votes, STUDY_CUTOFF), { mode: 'improved' }));
    expect(study.edges[0]?.summary.wiserLikelihood).toBe(5 / 6);
    expect(parseStudySummary(roundTrip(study))).toEqual(study);
  });

  it('exports carry no user ids and no stories', () => {
    const { votes } = loadVotes(join(STUDY_DIR, 'dft-edge-votes.json'));
    const stories = [...new Set(votes.map((v) => v.story))].filter((s) => s.length > 20);
    expect(stories.length).toBeGreaterThan(10);
    for (const mode of ['study', 'improved'] as const) {
      const text = JSON.stringify(buildTenetGraph(votes, { mode, includeAll: true }));
      expect(text).not.toMatch(/userId|"story"/);
      for (const story of stories) expect(text.includes(story)).toBe(false);
    }
  });

  it('provenance records the window and hashed inputs, by base name only', () => {
    const { votes, input } = loadVotes(join(FIXTURES, 'votes-small.json'));
    const graph = buildTenetGraph(votesBefore(votes, STUDY_CUTOFF), { mode: 'study', inputs: [input], votesBefore: STUDY_CUTOFF });
    expect(graph.provenance.inputs?.[0]?.name).toBe('votes-small.json');
    expect(graph.provenance.inputs?.[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(graph.provenance.votesBefore).toBe(STUDY_CUTOFF);
    expect(graph.edges[0]?.byContext).toEqual([
      { context: 'When in distress', counts: { markedWiser: 5, markedNotWiser: 0, markedLessWise: 0, markedUnsure: 1, impressions: 7 } },
    ]);
  });

  it('loads later study exports that use {description, policies} cards', () => {
    const summary = parseStudySummary({
      values: [{ id: 7, title: 'T', description: 'Do the thing.', policies: ['MOMENTS where it matters'] }],
      edges: [],
    });
    expect(summary.values[0]).toEqual({
      id: 7,
      title: 'T',
      instructionsShort: 'Do the thing.',
      instructionsDetailed: 'Do the thing.',
      evaluationCriteria: ['MOMENTS where it matters'],
    });
  });

  it('parseTenetGraph accepts what studyToTenet writes', () => {
    const tenet = studyToTenet(parseStudySummary(readJsonFile(join(FIXTURES, 'study-small.json')).data));
    expect(parseTenetGraph(roundTrip(tenet))).toEqual(tenet);
    expect(tenet.contexts).toEqual(['When in distress', 'When seeking support']);
  });
});
