/**
 * Golden test: the study's raw votes before 2023-10-18T12:00Z, aggregated by the study rule, reproduce its
 * released graph (dft-moral-graph-all-participants.json) exactly — numbers compared with ===.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildStudySummary,
  buildTenetGraph,
  loadValues,
  loadVotes,
  parseStudySummary,
  readJsonFile,
  tenetToStudy,
  votesBefore,
  type GraphValue,
  type StudyEdge,
  type StudySummary,
} from '../../src/moralgraph/index.ts';
import { STUDY_CUTOFF, STUDY_DIR } from './helpers.ts';

let released: StudySummary;
let releasedRaw: { values: unknown[]; edges: unknown[] };
let built: StudySummary;
let cards: GraphValue[];
let voteCount = 0;

beforeAll(() => {
  const raw = readJsonFile(join(STUDY_DIR, 'dft-moral-graph-all-participants.json')).data as typeof releasedRaw;
  releasedRaw = raw;
  released = parseStudySummary(raw);
  cards = loadValues(join(STUDY_DIR, 'dft-canonicalValuesCard.json')).values;
  const all = loadVotes(join(STUDY_DIR, 'dft-edge-votes.json')).votes;
  const window = votesBefore(all, STUDY_CUTOFF);
  voteCount = window.length;
  built = buildStudySummary(window, cards);
});

describe('study aggregation reproduces the released 2023 moral graph', () => {
  it('uses the 1,540 votes of the study window', () => {
    expect(voteCount).toBe(1540);
  });

  it('has the same 69 edges in the same order', () => {
    expect(built.edges.map((e) => `${e.sourceValueId}>${e.wiserValueId}`)).toEqual(
      released.edges.map((e) => `${e.sourceValueId}>${e.wiserValueId}`),
    );
    expect(built.edges).toHaveLength(69);
  });

  it('matches every count, wiserLikelihood and entropy bit for bit, and every context list', () => {
    const mismatches: string[] = [];
    released.edges.forEach((want, i) => {
      const got = built.edges[i] as StudyEdge;
      for (const k of ['markedWiser', 'markedNotWiser', 'markedLessWise', 'markedUnsure', 'impressions'] as const) {
        if (got.counts[k] !== want.counts[k]) mismatches.push(`edge ${i} ${k}`);
      }
      if (got.summary.wiserLikelihood !== want.summary.wiserLikelihood) mismatches.push(`edge ${i} wiserLikelihood`);
      if (got.summary.entropy !== want.summary.entropy) mismatches.push(`edge ${i} entropy`);
      if (JSON.stringify(got.contexts) !== JSON.stringify(want.contexts)) mismatches.push(`edge ${i} contexts`);
    });
    expect(mismatches).toEqual([]);
  });

  it('serialises edges to exactly the released JSON', () => {
    expect(JSON.stringify(built.edges)).toBe(JSON.stringify(releasedRaw.edges));
  });

  it('has the same 60 values, field for field', () => {
    // The released file lists values in the database's storage order at export time, which the card dump
    // does not record; we list them in the card file's order, so compare by id.
    const byId = new Map(built.values.map((v) => [v.id, JSON.stringify(v)]));
    expect(built.values).toHaveLength(60);
    for (const v of releasedRaw.values as { id: number }[]) expect(byId.get(v.id)).toBe(JSON.stringify(v));
  });

  it('gives the same study-shaped edges through the tenet format', () => {
    const window = votesBefore(loadVotes(join(STUDY_DIR, 'dft-edge-votes.json')).votes, STUDY_CUTOFF);
    const tenet = buildTenetGraph(window, { mode: 'study', values: cards });
    expect(JSON.stringify(tenetToStudy(tenet))).toBe(JSON.stringify(built));
    expect(tenet.contexts).toHaveLength(11);
  });

  it('matches the released totals (§4)', () => {
    const sum = (f: (e: StudyEdge) => number) => built.edges.reduce((acc, e) => acc + f(e), 0);
    expect(sum((e) => e.counts.impressions)).toBe(1278);
    expect(sum((e) => e.counts.markedWiser)).toBe(912);
  });
});
