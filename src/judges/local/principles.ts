/**
 * The principle texts the encoder judge's violation head is trained with. When an item names only a moral
 * foundation, the judge reads that foundation's definition (src/values/mft.ts); in training every MFT case
 * is seen with its foundation's definition and with each phrasing below, so the head learns from the
 * meaning of the principle rather than from one fixed wording. Held-out rewordings, written separately and
 * never trained on, live in test/judges/encoder-judge.test.ts.
 */
import { TenetError } from '../../errors.ts';
import { getMoralFoundation, MFT_CORE_IDS, parseMftFoundation, type MftCoreId, type MftFoundationId } from '../../values/mft.ts';

export const TRAIN_PHRASINGS: Record<MftCoreId, readonly string[]> = {
  care: [
    'Do not cause harm or suffering; protect and care for those who are vulnerable.',
    'Be kind and compassionate, and never be cruel to people or animals.',
  ],
  fairness: [
    'Treat people fairly and justly; do not cheat, steal or exploit anyone.',
    'Be honest and keep to the rules of fair exchange; no deception or unfair advantage.',
  ],
  loyalty: [
    'Stay loyal to your family, friends, team and country; do not betray them.',
    'Stand by the group you belong to and never abandon or sell out its members.',
  ],
  authority: [
    'Respect legitimate authority, rules and traditions; do not defy or subvert them.',
    'Honour the duties of your role, obey rightful leaders and show deference to elders.',
  ],
  sanctity: [
    'Keep body and mind pure; avoid what is degrading, disgusting or sacrilegious.',
    'Treat sacred things with reverence and do not defile or desecrate them.',
  ],
};

/**
 * More phrasings per foundation (2.1.0 augmentation, written for training: a statement of what is wrong, a
 * short rule, and a description of the kind of act), used when the violation config's `phrasings` > 2.
 */
export const EXTRA_PHRASINGS: Record<MftCoreId, readonly string[]> = {
  care: [
    'It is wrong to injure, torment or neglect someone who depends on you.',
    'No violence, no cruelty.',
    'Hurting, abusing or endangering a person or an animal.',
  ],
  fairness: [
    'It is wrong to lie, cheat or take more than your share.',
    'Play fair and pay what you owe.',
    'Fraud, theft, bribery or rigging the outcome in your own favour.',
  ],
  loyalty: [
    'It is wrong to betray a friend, a partner, your family or your team.',
    'Keep faith with your own people.',
    'Treachery: informing on, deserting or turning against those who trusted you.',
  ],
  authority: [
    'It is wrong to disobey a rightful order or to mock those with legitimate authority.',
    'Obey the rules and respect your superiors.',
    'Insubordination: defying a boss, a teacher, a parent, the police or the law.',
  ],
  sanctity: [
    'It is wrong to desecrate what is holy or to degrade the body.',
    'Keep what is sacred clean and undefiled.',
    'Defilement: filth, desecration, degrading or disgusting acts.',
  ],
};

/** The principle ETHICS commonsense rows are judged against (`judge eval --format ethics`, the cross-encoder's training). */
export const ETHICS_PRINCIPLE = 'commonsense morality';

/** The principle text an item with only a foundation is judged against: the foundation's definition. */
export function foundationPrinciple(id: MftFoundationId): string {
  return getMoralFoundation(id).definition;
}

/** Every principle text a foundation is trained with: its definition, then the first `phrasings` phrasings above (2: 2.0.0's). */
export function trainingPrinciples(id: MftCoreId, phrasings = 2): string[] {
  return [foundationPrinciple(id), ...[...TRAIN_PHRASINGS[id], ...EXTRA_PHRASINGS[id]].slice(0, phrasings)];
}

/** Every principle text any training config may use (for filling the embedding cache). */
export function allTrainingPrinciples(): string[] {
  return MFT_CORE_IDS.flatMap((id) => trainingPrinciples(id, 5));
}

/** An offline judge reads an item's prompt and response: both must be strings (BAD_INPUT naming the item). */
export function requireItemTexts(item: { prompt?: unknown; response?: unknown } | undefined, i: number): void {
  if (typeof item?.prompt !== 'string' || typeof item?.response !== 'string') {
    throw new TenetError('BAD_INPUT', `item ${i}: prompt and response must be strings`, { location: { path: `[${i}]` } });
  }
}

/**
 * The principle text item `i` is judged against: its own `principle`, else its foundation's definition, else
 * none (no violation asked). An unknown foundation is a BAD_INPUT naming the item.
 */
export function itemPrinciple(item: { principle?: string; foundation?: string }, i: number): string | undefined {
  if (item.principle !== undefined && item.principle !== '') return item.principle;
  if (item.foundation === undefined || item.foundation === '') return undefined;
  const f = parseMftFoundation(item.foundation);
  if (!f) {
    throw new TenetError('BAD_INPUT', `item ${i}: unknown moral foundation ${JSON.stringify(item.foundation)}`, {
      hint: 'use care, fairness, loyalty, authority, sanctity or liberty',
      location: { path: `[${i}].foundation` },
    });
  }
  return foundationPrinciple(f);
}
