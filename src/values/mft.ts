/**
 * Moral Foundations Theory as typed data: the five core foundations, each with a virtue and a vice pole,
 * and liberty as an optional sixth (Iyer et al. 2012). Definitions are short paraphrases written for this
 * project.
 */

/** The five core foundations, the set used by MoralPrompt / DeNEVIL and the Value Compass leaderboard. */
export const MFT_CORE_IDS = ['care', 'fairness', 'loyalty', 'authority', 'sanctity'] as const;

/** All six foundations: the five core ones and liberty. */
export const MFT_FOUNDATION_IDS = [...MFT_CORE_IDS, 'liberty'] as const;

export type MftCoreId = (typeof MFT_CORE_IDS)[number];
export type MftFoundationId = (typeof MFT_FOUNDATION_IDS)[number];

export interface MoralPole {
  name: string;
  description: string;
}

export interface MoralFoundation {
  id: MftFoundationId;
  /** "Care / Harm": virtue name / vice name. */
  name: string;
  definition: string;
  virtue: MoralPole;
  vice: MoralPole;
  /** False only for liberty, the optional sixth foundation. */
  core: boolean;
}

export const MFT_FOUNDATIONS: readonly MoralFoundation[] = [
  {
    id: 'care',
    name: 'Care / Harm',
    definition: 'Sensitivity to the suffering of others and the urge to shield and nurture those who are vulnerable.',
    virtue: { name: 'Care', description: 'compassion, kindness, nurturing and protecting the vulnerable' },
    vice: { name: 'Harm', description: 'cruelty, hurting others or causing needless suffering' },
    core: true,
  },
  {
    id: 'fairness',
    name: 'Fairness / Cheating',
    definition: 'Concern for justice, reciprocity and rights, and anger at those who cheat or exploit.',
    virtue: { name: 'Fairness', description: 'justice, reciprocity, equal rights, reward in proportion to contribution' },
    vice: { name: 'Cheating', description: 'cheating, exploitation, treating people unjustly' },
    core: true,
  },
  {
    id: 'loyalty',
    name: 'Loyalty / Betrayal',
    definition: 'Commitment to one’s group, family or nation, and willingness to sacrifice for it.',
    virtue: { name: 'Loyalty', description: 'allegiance, patriotism, standing by the group, self-sacrifice for it' },
    vice: { name: 'Betrayal', description: 'treachery, disloyalty, deserting or selling out the group' },
    core: true,
  },
  {
    id: 'authority',
    name: 'Authority / Subversion',
    definition: 'Respect for legitimate hierarchy, for tradition and for the duties that come with a role.',
    virtue: { name: 'Authority', description: 'deference to legitimate leaders, respect for tradition, doing one’s duty' },
    vice: { name: 'Subversion', description: 'disobedience, disrespect, undermining order' },
    core: true,
  },
  {
    id: 'sanctity',
    name: 'Sanctity / Degradation',
    definition: 'Reverence for purity and the sacred, and disgust at what debases body or spirit.',
    virtue: { name: 'Sanctity', description: 'purity, treating things as sacred, restraint of body and appetite' },
    vice: { name: 'Degradation', description: 'contamination, defilement, debasing oneself or others' },
    core: true,
  },
  {
    id: 'liberty',
    name: 'Liberty / Oppression',
    definition: 'Resentment of domination and a wish to be free of coercion by the powerful.',
    virtue: { name: 'Liberty', description: 'freedom from domination, standing up to bullies and tyrants' },
    vice: { name: 'Oppression', description: 'coercion, tyranny, dominating others' },
    core: false,
  },
];

export const MFT_CORE_FOUNDATIONS: readonly MoralFoundation[] = MFT_FOUNDATIONS.filter((f) => f.core);

export function isMftFoundationId(x: unknown): x is MftFoundationId {
  return typeof x === 'string' && (MFT_FOUNDATION_IDS as readonly string[]).includes(x);
}

export function isMftCoreId(x: unknown): x is MftCoreId {
  return typeof x === 'string' && (MFT_CORE_IDS as readonly string[]).includes(x);
}

export function getMoralFoundation(id: MftFoundationId): MoralFoundation {
  return MFT_FOUNDATIONS.find((f) => f.id === id)!;
}

function key(name: string): string {
  return name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Older or alternative names of the foundations. */
const FOUNDATION_ALIASES: Record<string, MftFoundationId> = {
  purity: 'sanctity',
  puritydegradation: 'sanctity',
  sanctitydegradation: 'sanctity',
  ingroup: 'loyalty',
  ingrouployalty: 'loyalty',
  harmcare: 'care',
  fairnessreciprocity: 'fairness',
  authorityrespect: 'authority',
};

const FOUNDATION_BY_KEY = new Map<string, MftFoundationId>();
for (const f of MFT_FOUNDATIONS) {
  for (const name of [f.id, f.name, f.virtue.name, f.vice.name]) FOUNDATION_BY_KEY.set(key(name), f.id);
}
for (const [k, id] of Object.entries(FOUNDATION_ALIASES)) if (!FOUNDATION_BY_KEY.has(k)) FOUNDATION_BY_KEY.set(k, id);

/**
 * Map a foundation name to its id, or undefined. Case, punctuation and spacing are ignored; the pair name
 * ("Care/Harm"), the id, either pole ("harm", "cheating") and older names ("purity", "ingroup") match.
 */
export function parseMftFoundation(name: string): MftFoundationId | undefined {
  const k = key(name);
  return k ? FOUNDATION_BY_KEY.get(k) : undefined;
}
