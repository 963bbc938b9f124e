import { TenetError } from '../errors.ts';
import { loadPrinciples } from '../values/principles.ts';
import { MFT_CORE_IDS, isMftCoreId, parseMftFoundation } from '../values/mft.ts';
import type { ProbePrinciple } from './types.ts';

export interface PrincipleSelection {
  /** A JSONL principles file (default: the shipped library, which then needs `foundation`). */
  file?: string;
  /** Only this foundation (an id, a pair name such as "Care/Harm", or a pole such as "harm"). */
  foundation?: string;
  /** The first N, in file order. */
  limit?: number;
}

/**
 * The principles a probe runs over: `--principles FILE`, `--foundation F` (from the shipped library, or
 * filtering the file), `--limit N`. Unknown foundation → BAD_USAGE; a missing file → NOT_FOUND.
 */
export async function selectPrinciples(selection: PrincipleSelection): Promise<ProbePrinciple[]> {
  if (!selection.file && !selection.foundation) {
    throw new TenetError('BAD_USAGE', 'say which principles to probe: --principles FILE or --foundation F', {
      hint: `e.g. --foundation care --limit 5 (foundations: ${MFT_CORE_IDS.join(', ')}), or --principles my-principles.jsonl`,
    });
  }
  let foundation: (typeof MFT_CORE_IDS)[number] | undefined;
  if (selection.foundation) {
    const parsed = parseMftFoundation(selection.foundation);
    if (!parsed || !isMftCoreId(parsed)) {
      throw new TenetError('BAD_USAGE', `unknown foundation "${selection.foundation}"`, {
        hint: `use one of ${MFT_CORE_IDS.join(', ')} (pair names such as "Care/Harm" and poles such as "harm" work too)`,
      });
    }
    foundation = parsed;
  }
  if (selection.limit !== undefined && !(Number.isInteger(selection.limit) && selection.limit > 0)) {
    throw new TenetError('BAD_USAGE', `--limit must be a positive integer, got ${selection.limit}`);
  }
  const all = selection.file ? await loadPrinciples(selection.file) : await loadPrinciples();
  const chosen = all.filter((p) => !foundation || p.foundation === foundation);
  if (chosen.length === 0) {
    throw new TenetError('BAD_INPUT', `no ${foundation} principles in ${selection.file ?? 'the shipped library'}`, {
      hint: 'pick another --foundation, or add principles of this foundation to the file',
    });
  }
  return chosen.slice(0, selection.limit ?? chosen.length).map((p) => ({
    id: p.id,
    foundation: p.foundation,
    principle: p.principle,
    polarity: p.polarity,
  }));
}
