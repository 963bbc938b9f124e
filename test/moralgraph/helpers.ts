import { fileURLToPath } from 'node:url';
import type { EdgeVote, Relationship } from '../../src/moralgraph/index.ts';

/** The study data: CI clones the repository with `shared/` beside it (`<repo>/../shared`). */
export const STUDY_DIR = fileURLToPath(new URL('../../../shared/data/moral-graph/', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/moral-graph/', import.meta.url));

/** The instant the study's released graph was cut at. */
export const STUDY_CUTOFF = '2023-10-18T12:00:00Z';

let clock = Date.parse('2023-10-01T00:00:00Z');
let nextUser = 1;

/** One synthetic vote; each call gets a fresh user and a later timestamp unless given. */
export function vote(
  fromId: number,
  toId: number,
  relationship: Relationship,
  contextId = 'When in distress',
  extra: Partial<EdgeVote> = {},
): EdgeVote {
  clock += 1000;
  return {
    userId: nextUser++,
    fromId,
    toId,
    contextId,
    relationship,
    story: 'a story',
    runId: 'run-1',
    createdAt: new Date(clock).toISOString(),
    ...extra,
  };
}

/** `n` votes of the same kind. */
export function votes(n: number, fromId: number, toId: number, relationship: Relationship, contextId?: string): EdgeVote[] {
  return Array.from({ length: n }, () => vote(fromId, toId, relationship, contextId));
}
