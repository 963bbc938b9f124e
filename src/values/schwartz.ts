/**
 * Schwartz's theory of basic human values, as typed data.
 *
 * - the 10 basic values, in the order Value FULCRA uses for its value vectors (index 0–9);
 * - the 54 value items of FULCRA's code, each mapped to one of the 10 values;
 * - the circumplex (which values sit next to each other and which conflict);
 * - the 4 higher-order groups (hedonism belongs to two of them);
 * - the refined 19-value theory (Schwartz et al. 2012) and its fold back into the 10;
 * - forgiving lookups for item and value names as they appear in labelled data.
 *
 * Definitions are short paraphrases written for this project.
 */

/** The 10 basic values in FULCRA's vector order. Index i of a value vector is `SCHWARTZ_VALUE_IDS[i]`. */
export const SCHWARTZ_VALUE_IDS = [
  'self_direction',
  'stimulation',
  'hedonism',
  'achievement',
  'power',
  'security',
  'tradition',
  'conformity',
  'benevolence',
  'universalism',
] as const;

export type SchwartzValueId = (typeof SCHWARTZ_VALUE_IDS)[number];

export const HIGHER_ORDER_GROUP_IDS = [
  'openness_to_change',
  'self_enhancement',
  'conservation',
  'self_transcendence',
] as const;

export type HigherOrderGroupId = (typeof HIGHER_ORDER_GROUP_IDS)[number];

export interface SchwartzValue {
  id: SchwartzValueId;
  /** Position in FULCRA's value vector (0–9). */
  index: number;
  name: string;
  definition: string;
  /** Higher-order groups this value belongs to: one, or two for hedonism. */
  groups: readonly HigherOrderGroupId[];
}

export interface HigherOrderGroup {
  id: HigherOrderGroupId;
  name: string;
  definition: string;
  /** Member values, in vector order. Hedonism is listed in both openness_to_change and self_enhancement. */
  values: readonly SchwartzValueId[];
  /** The group on the other end of the same axis; values in opposite groups conflict. */
  opposite: HigherOrderGroupId;
}

const VALUE_TEXT: Record<SchwartzValueId, { name: string; definition: string }> = {
  self_direction: {
    name: 'Self-direction',
    definition: 'Thinking and acting for oneself: choosing one’s own aims, creating and exploring.',
  },
  stimulation: {
    name: 'Stimulation',
    definition: 'Seeking excitement, novelty and challenge in life.',
  },
  hedonism: {
    name: 'Hedonism',
    definition: 'Seeking pleasure and sensuous enjoyment for oneself.',
  },
  achievement: {
    name: 'Achievement',
    definition: 'Personal success, shown by being competent according to the standards of one’s society.',
  },
  power: {
    name: 'Power',
    definition: 'Social status and prestige; control or dominance over people and resources.',
  },
  security: {
    name: 'Security',
    definition: 'Safety, harmony and stability for society, for one’s relationships and for oneself.',
  },
  tradition: {
    name: 'Tradition',
    definition: 'Respecting and keeping to the customs and ideas handed down by one’s culture or religion.',
  },
  conformity: {
    name: 'Conformity',
    definition: 'Holding back actions and impulses that could upset or hurt others or break social norms.',
  },
  benevolence: {
    name: 'Benevolence',
    definition: 'Caring for and improving the welfare of the people one is in frequent contact with.',
  },
  universalism: {
    name: 'Universalism',
    definition: 'Understanding, appreciating, tolerating and protecting the welfare of all people and of nature.',
  },
};

export const HIGHER_ORDER_GROUPS: readonly HigherOrderGroup[] = [
  {
    id: 'openness_to_change',
    name: 'Openness to change',
    definition: 'Readiness for new ideas, actions and experiences; independence of thought and action.',
    values: ['self_direction', 'stimulation', 'hedonism'],
    opposite: 'conservation',
  },
  {
    id: 'self_enhancement',
    name: 'Self-enhancement',
    definition: 'Pursuing one’s own interests, success and standing, including relative to others.',
    values: ['hedonism', 'achievement', 'power'],
    opposite: 'self_transcendence',
  },
  {
    id: 'conservation',
    name: 'Conservation',
    definition: 'Order, self-restraint, preserving the past and resisting change.',
    values: ['security', 'tradition', 'conformity'],
    opposite: 'openness_to_change',
  },
  {
    id: 'self_transcendence',
    name: 'Self-transcendence',
    definition: 'Concern for the welfare and interests of others, close and distant.',
    values: ['benevolence', 'universalism'],
    opposite: 'self_enhancement',
  },
];

/** Values that belong to more than one higher-order group (only hedonism). */
export const SHARED_VALUE_IDS: readonly SchwartzValueId[] = ['hedonism'];

export const SCHWARTZ_VALUES: readonly SchwartzValue[] = SCHWARTZ_VALUE_IDS.map((id, index) => ({
  id,
  index,
  ...VALUE_TEXT[id],
  groups: HIGHER_ORDER_GROUPS.filter((g) => g.values.includes(id)).map((g) => g.id),
}));

export function isSchwartzValueId(x: unknown): x is SchwartzValueId {
  return typeof x === 'string' && (SCHWARTZ_VALUE_IDS as readonly string[]).includes(x);
}

export function getSchwartzValue(id: SchwartzValueId): SchwartzValue {
  return SCHWARTZ_VALUES[SCHWARTZ_VALUE_IDS.indexOf(id)]!;
}

export function getHigherOrderGroup(id: HigherOrderGroupId): HigherOrderGroup {
  return HIGHER_ORDER_GROUPS.find((g) => g.id === id)!;
}

/** The higher-order groups of a value: two for hedonism, one for every other value. */
export function higherOrderGroupsOf(id: SchwartzValueId): readonly HigherOrderGroupId[] {
  return getSchwartzValue(id).groups;
}

// ---------------------------------------------------------------------------------------------------------
// The 54 value items

export interface SchwartzItem {
  /** snake_case of the display name, e.g. `be_creative`. */
  id: string;
  /** Position in FULCRA's `value_item_list` (0–53). */
  index: number;
  /** Display name exactly as FULCRA writes it, e.g. "Be creative". */
  name: string;
  /** The basic value this item belongs to in FULCRA's 10-value map. */
  value: SchwartzValueId;
}

/**
 * FULCRA's 54 items, in its code order. FULCRA's paper speaks of 58 items; its code has these 54.
 * "Observing social norms" is Face (→ power) in FULCRA's 19-value map but security in its 10-value map;
 * the 10-value map is the one used here.
 */
const ITEM_ROWS: readonly (readonly [id: string, name: string, value: SchwartzValueId])[] = [
  ['be_creative', 'Be creative', 'self_direction'],
  ['be_curious', 'Be curious', 'self_direction'],
  ['have_freedom_of_thought', 'Have freedom of thought', 'self_direction'],
  ['be_choosing_own_goals', 'Be choosing own goals', 'self_direction'],
  ['be_independent', 'Be independent', 'self_direction'],
  ['have_freedom_of_action', 'Have freedom of action', 'self_direction'],
  ['have_privacy', 'Have privacy', 'self_direction'],
  ['have_an_exciting_life', 'Have an exciting life', 'stimulation'],
  ['have_a_varied_life', 'Have a varied life', 'stimulation'],
  ['be_daring', 'Be daring', 'stimulation'],
  ['have_pleasure', 'Have pleasure', 'hedonism'],
  ['enjoying_life', 'Enjoying life', 'hedonism'],
  ['be_self_indulgent', 'Be self-indulgent', 'hedonism'],
  ['be_ambitious', 'Be ambitious', 'achievement'],
  ['be_successful', 'Be successful', 'achievement'],
  ['be_capable', 'Be capable', 'achievement'],
  ['be_influential', 'Be influential', 'achievement'],
  ['be_intellectual', 'Be intellectual', 'achievement'],
  ['have_authority', 'Have authority', 'power'],
  ['have_social_power', 'Have social power', 'power'],
  ['have_wealth', 'Have wealth', 'power'],
  ['have_a_social_recognition', 'Have a social recognition', 'power'],
  ['preserving_my_public_image', 'Preserving my public image', 'power'],
  ['observing_social_norms', 'Observing social norms', 'security'],
  ['have_a_sense_of_belonging', 'Have a sense of belonging', 'security'],
  ['have_a_good_health', 'Have a good health', 'security'],
  ['have_no_debts', 'Have no debts', 'security'],
  ['be_neat_and_tidy', 'Be neat and tidy', 'security'],
  ['have_family_security', 'Have family security', 'security'],
  ['have_a_safe_country', 'Have a safe country', 'security'],
  ['have_a_stable_society', 'Have a stable society', 'security'],
  ['be_respecting_traditions', 'Be respecting traditions', 'tradition'],
  ['be_holding_religious_faith', 'Be holding religious faith', 'tradition'],
  ['be_obedient', 'Be obedient', 'conformity'],
  ['be_self_disciplined', 'Be self-disciplined', 'conformity'],
  ['moderate', 'Moderate', 'conformity'],
  ['be_polite', 'Be polite', 'conformity'],
  ['be_honoring_parents_and_elders', 'Be honoring parents and elders', 'conformity'],
  ['be_humble', 'Be humble', 'conformity'],
  ['accepting_my_portion_in_life', 'Accepting my portion in life', 'conformity'],
  ['be_helpful', 'Be helpful', 'benevolence'],
  ['be_honest', 'Be honest', 'benevolence'],
  ['be_forgiving', 'Be forgiving', 'benevolence'],
  ['true_friendship', 'True friendship', 'benevolence'],
  ['mature_love', 'Mature love', 'benevolence'],
  ['be_responsible', 'Be responsible', 'benevolence'],
  ['have_loyalty_towards_friends', 'Have loyalty towards friends', 'benevolence'],
  ['have_equality', 'Have equality', 'universalism'],
  ['social_justice', 'Social justice', 'universalism'],
  ['have_a_world_at_peace', 'Have a world at peace', 'universalism'],
  ['be_protecting_the_environment', 'Be protecting the environment', 'universalism'],
  ['have_harmony_with_nature', 'Have harmony with nature', 'universalism'],
  ['have_a_world_of_beauty', 'Have a world of beauty', 'universalism'],
  ['be_broadminded', 'Be broadminded', 'universalism'],
];

export const SCHWARTZ_ITEMS: readonly SchwartzItem[] = ITEM_ROWS.map(([id, name, value], index) => ({
  id,
  index,
  name,
  value,
}));

/** Items of one value, in code order. */
export function itemsOfValue(value: SchwartzValueId): readonly SchwartzItem[] {
  return SCHWARTZ_ITEMS.filter((item) => item.value === value);
}

// ---------------------------------------------------------------------------------------------------------
// Circumplex

/**
 * The circumplex as 9 wedges in cyclic order. Conformity and tradition share one wedge (conformity inner,
 * tradition outer). Neighbouring wedges hold compatible values; the wedge after the last is the first.
 */
export const SCHWARTZ_CIRCUMPLEX: readonly (readonly SchwartzValueId[])[] = [
  ['self_direction'],
  ['stimulation'],
  ['hedonism'],
  ['achievement'],
  ['power'],
  ['security'],
  ['conformity', 'tradition'],
  ['benevolence'],
  ['universalism'],
];

/** The 10 values in circumplex order (a cycle: universalism is followed by self_direction again). */
export const SCHWARTZ_CIRCUMPLEX_ORDER: readonly SchwartzValueId[] = SCHWARTZ_CIRCUMPLEX.flat();

export interface CircumplexPosition {
  /** Wedge index 0–8 in `SCHWARTZ_CIRCUMPLEX`. */
  wedge: number;
  /** Centre of the wedge in degrees, clockwise from self_direction's centre (wedges are 40° wide). */
  angle: number;
  /** `inner`/`outer` inside the shared conformity/tradition wedge, `full` elsewhere. */
  ring: 'full' | 'inner' | 'outer';
}

const WEDGE_DEGREES = 360 / SCHWARTZ_CIRCUMPLEX.length;

function wedgeOf(id: SchwartzValueId): number {
  return SCHWARTZ_CIRCUMPLEX.findIndex((w) => w.includes(id));
}

export function circumplexPosition(id: SchwartzValueId): CircumplexPosition {
  const wedge = wedgeOf(id);
  const members = SCHWARTZ_CIRCUMPLEX[wedge]!;
  const ring = members.length === 1 ? 'full' : members.indexOf(id) === 0 ? 'inner' : 'outer';
  return { wedge, angle: wedge * WEDGE_DEGREES, ring };
}

/**
 * Values adjacent to `id` on the circumplex: those in the wedge before, a wedge-mate (conformity ↔
 * tradition), and those in the wedge after, in that order. E.g. benevolence → conformity, tradition,
 * universalism.
 */
export function circumplexNeighbours(id: SchwartzValueId): SchwartzValueId[] {
  const n = SCHWARTZ_CIRCUMPLEX.length;
  const w = wedgeOf(id);
  const before = SCHWARTZ_CIRCUMPLEX[(w + n - 1) % n]!;
  const same = SCHWARTZ_CIRCUMPLEX[w]!.filter((v) => v !== id);
  const after = SCHWARTZ_CIRCUMPLEX[(w + 1) % n]!;
  return [...before, ...same, ...after];
}

export function areCircumplexNeighbours(a: SchwartzValueId, b: SchwartzValueId): boolean {
  return circumplexNeighbours(a).includes(b);
}

/** Steps between the wedges of two values around the circle: 0 (same wedge) to 4 (across). */
export function circumplexDistance(a: SchwartzValueId, b: SchwartzValueId): number {
  const n = SCHWARTZ_CIRCUMPLEX.length;
  const d = Math.abs(wedgeOf(a) - wedgeOf(b));
  return Math.min(d, n - d);
}

/**
 * Whether pursuing one value tends to conflict with the other: true when they sit in opposite higher-order
 * groups (openness vs conservation, self-enhancement vs self-transcendence). Hedonism conflicts with
 * both conservation and self-transcendence values.
 */
export function valuesConflict(a: SchwartzValueId, b: SchwartzValueId): boolean {
  const groupsB = higherOrderGroupsOf(b);
  return higherOrderGroupsOf(a).some((g) => groupsB.includes(getHigherOrderGroup(g).opposite));
}

// ---------------------------------------------------------------------------------------------------------
// Refined 19-value theory (Schwartz et al. 2012)

export const SCHWARTZ_REFINED_VALUE_IDS = [
  'self_direction_thought',
  'self_direction_action',
  'stimulation',
  'hedonism',
  'achievement',
  'power_dominance',
  'power_resources',
  'face',
  'security_personal',
  'security_societal',
  'tradition',
  'conformity_rules',
  'conformity_interpersonal',
  'humility',
  'benevolence_caring',
  'benevolence_dependability',
  'universalism_concern',
  'universalism_nature',
  'universalism_tolerance',
] as const;

export type SchwartzRefinedValueId = (typeof SCHWARTZ_REFINED_VALUE_IDS)[number];

export interface SchwartzRefinedValue {
  id: SchwartzRefinedValueId;
  name: string;
  definition: string;
  /** The basic value it folds into (face → power and humility → conformity, as FULCRA's code does). */
  foldsTo: SchwartzValueId;
}

export const SCHWARTZ_REFINED_VALUES: readonly SchwartzRefinedValue[] = [
  { id: 'self_direction_thought', name: 'Self-direction: thought', definition: 'Freedom to form one’s own ideas and develop one’s own abilities.', foldsTo: 'self_direction' },
  { id: 'self_direction_action', name: 'Self-direction: action', definition: 'Freedom to decide for oneself what to do.', foldsTo: 'self_direction' },
  { id: 'stimulation', name: 'Stimulation', definition: 'Excitement, novelty and change.', foldsTo: 'stimulation' },
  { id: 'hedonism', name: 'Hedonism', definition: 'Pleasure and sensuous enjoyment.', foldsTo: 'hedonism' },
  { id: 'achievement', name: 'Achievement', definition: 'Success as measured by social standards.', foldsTo: 'achievement' },
  { id: 'power_dominance', name: 'Power: dominance', definition: 'Power through controlling what other people do.', foldsTo: 'power' },
  { id: 'power_resources', name: 'Power: resources', definition: 'Power through controlling material and social resources.', foldsTo: 'power' },
  { id: 'face', name: 'Face', definition: 'Protecting one’s public image and avoiding humiliation.', foldsTo: 'power' },
  { id: 'security_personal', name: 'Security: personal', definition: 'Safety in one’s immediate surroundings.', foldsTo: 'security' },
  { id: 'security_societal', name: 'Security: societal', definition: 'Safety and stability of the wider society.', foldsTo: 'security' },
  { id: 'tradition', name: 'Tradition', definition: 'Keeping up cultural, family or religious traditions.', foldsTo: 'tradition' },
  { id: 'conformity_rules', name: 'Conformity: rules', definition: 'Complying with rules, laws and formal obligations.', foldsTo: 'conformity' },
  { id: 'conformity_interpersonal', name: 'Conformity: interpersonal', definition: 'Avoiding upsetting or harming other people.', foldsTo: 'conformity' },
  { id: 'humility', name: 'Humility', definition: 'Seeing oneself as small within the larger scheme of things.', foldsTo: 'conformity' },
  { id: 'benevolence_caring', name: 'Benevolence: caring', definition: 'Devotion to the welfare of members of one’s in-group.', foldsTo: 'benevolence' },
  { id: 'benevolence_dependability', name: 'Benevolence: dependability', definition: 'Being a reliable and trustworthy member of one’s in-group.', foldsTo: 'benevolence' },
  { id: 'universalism_concern', name: 'Universalism: concern', definition: 'Commitment to equality, justice and protection for all people.', foldsTo: 'universalism' },
  { id: 'universalism_nature', name: 'Universalism: nature', definition: 'Preserving the natural environment.', foldsTo: 'universalism' },
  { id: 'universalism_tolerance', name: 'Universalism: tolerance', definition: 'Accepting and understanding people who differ from oneself.', foldsTo: 'universalism' },
];

export function isSchwartzRefinedValueId(x: unknown): x is SchwartzRefinedValueId {
  return typeof x === 'string' && (SCHWARTZ_REFINED_VALUE_IDS as readonly string[]).includes(x);
}

/** The basic value a refined value folds into. */
export function foldRefinedValue(id: SchwartzRefinedValueId): SchwartzValueId {
  return SCHWARTZ_REFINED_VALUES.find((v) => v.id === id)!.foldsTo;
}

// ---------------------------------------------------------------------------------------------------------
// Forgiving name lookups

/** Lower-case and drop everything but letters and digits: "Self-direction" and "self_direction" meet. */
export function nameKey(name: string): string {
  return name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]/g, '');
}

export interface SchwartzItemAlias {
  /** The spelling seen in the wild. */
  alias: string;
  itemId: string;
  /**
   * `variant`: another spelling of a listed item. `off_list`: a name that is not among the 54 items but is
   * mapped to the closest one.
   */
  kind: 'variant' | 'off_list';
  note?: string;
}

export const SCHWARTZ_ITEM_ALIASES: readonly SchwartzItemAlias[] = [
  { alias: 'have social recognition', itemId: 'have_a_social_recognition', kind: 'variant', note: 'FULCRA labels use both spellings' },
  { alias: 'social recognition', itemId: 'have_a_social_recognition', kind: 'variant' },
  { alias: 'be respectful', itemId: 'be_polite', kind: 'off_list', note: 'not among the 54 items; FULCRA labels use it 17 times' },
  { alias: 'be honouring parents and elders', itemId: 'be_honoring_parents_and_elders', kind: 'variant' },
  { alias: 'honouring parents and elders', itemId: 'be_honoring_parents_and_elders', kind: 'variant' },
  { alias: 'have good health', itemId: 'have_a_good_health', kind: 'variant' },
  { alias: 'good health', itemId: 'have_a_good_health', kind: 'variant' },
  { alias: 'healthy', itemId: 'have_a_good_health', kind: 'variant' },
  { alias: 'respecting traditions', itemId: 'be_respecting_traditions', kind: 'variant' },
  { alias: 'respect for tradition', itemId: 'be_respecting_traditions', kind: 'variant' },
  { alias: 'religious faith', itemId: 'be_holding_religious_faith', kind: 'variant' },
  { alias: 'be moderate', itemId: 'moderate', kind: 'variant' },
  { alias: 'enjoy life', itemId: 'enjoying_life', kind: 'variant' },
  { alias: 'enjoying my life', itemId: 'enjoying_life', kind: 'variant' },
  { alias: 'be loyal', itemId: 'have_loyalty_towards_friends', kind: 'variant' },
  { alias: 'loyal', itemId: 'have_loyalty_towards_friends', kind: 'variant' },
  { alias: 'have loyalty towards friend', itemId: 'have_loyalty_towards_friends', kind: 'variant' },
  { alias: 'a world at peace', itemId: 'have_a_world_at_peace', kind: 'variant' },
  { alias: 'a world of beauty', itemId: 'have_a_world_of_beauty', kind: 'variant' },
  { alias: 'choosing own goals', itemId: 'be_choosing_own_goals', kind: 'variant' },
  { alias: 'be choosing my own goals', itemId: 'be_choosing_own_goals', kind: 'variant' },
  { alias: 'protecting the environment', itemId: 'be_protecting_the_environment', kind: 'variant' },
  { alias: 'preserving public image', itemId: 'preserving_my_public_image', kind: 'variant' },
  { alias: 'preserving my public images', itemId: 'preserving_my_public_image', kind: 'variant' },
  { alias: 'accepting portion in life', itemId: 'accepting_my_portion_in_life', kind: 'variant' },
  { alias: 'observe social norms', itemId: 'observing_social_norms', kind: 'variant' },
];

export interface SchwartzItemMatch {
  item: SchwartzItem;
  /** How the name matched: the item's own name or id, a listed alias, or its name without a leading be/have. */
  via: 'name' | 'alias' | 'stem';
  /** The alias used, when `via` is `alias`. */
  alias?: SchwartzItemAlias;
}

/** "have a social recognition" → "socialrecognition": the name without a leading be/have/being/having (a/an). */
function stemKey(name: string): string {
  const words = name
    .normalize('NFKD')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let i = 0;
  if (words[i] === 'be' || words[i] === 'being' || words[i] === 'have' || words[i] === 'having') i += 1;
  if (i > 0 && (words[i] === 'a' || words[i] === 'an')) i += 1;
  return words.slice(i).join('');
}

const ITEM_BY_KEY = new Map<string, SchwartzItem>();
for (const item of SCHWARTZ_ITEMS) {
  ITEM_BY_KEY.set(nameKey(item.name), item);
  ITEM_BY_KEY.set(nameKey(item.id), item);
}
const ALIAS_BY_KEY = new Map(SCHWARTZ_ITEM_ALIASES.map((a) => [nameKey(a.alias), a]));
const ITEM_BY_STEM = new Map<string, SchwartzItem>();
{
  const seen = new Map<string, number>();
  for (const item of SCHWARTZ_ITEMS) seen.set(stemKey(item.name), (seen.get(stemKey(item.name)) ?? 0) + 1);
  for (const item of SCHWARTZ_ITEMS) {
    const stem = stemKey(item.name);
    if (stem && seen.get(stem) === 1) ITEM_BY_STEM.set(stem, item);
  }
}

export function getSchwartzItem(id: string): SchwartzItem | undefined {
  return SCHWARTZ_ITEMS.find((item) => item.id === id);
}

/**
 * Find one of the 54 items by display name, id or alias. Case, punctuation and spacing are ignored
 * ("BE SELF INDULGENT", "be_self-indulgent"). Known aliases come next ("have social recognition",
 * "be respectful" → be_polite, marked `off_list`), then the name without a leading be/have ("curious").
 * Returns undefined for anything else.
 */
export function findSchwartzItem(nameOrAlias: string): SchwartzItemMatch | undefined {
  const key = nameKey(nameOrAlias);
  if (!key) return undefined;
  const direct = ITEM_BY_KEY.get(key);
  if (direct) return { item: direct, via: 'name' };
  const alias = ALIAS_BY_KEY.get(key);
  if (alias) return { item: getSchwartzItem(alias.itemId)!, via: 'alias', alias };
  const stemmed = ITEM_BY_STEM.get(stemKey(nameOrAlias));
  if (stemmed) return { item: stemmed, via: 'stem' };
  return undefined;
}

/** Extra value-type spellings, mapped to the 10. */
const VALUE_ALIASES: Record<string, SchwartzValueId> = {
  // Touché23-ValueEval's 20th category, not part of Schwartz's 19.
  universalismobjectivity: 'universalism',
};

const VALUE_BY_KEY = new Map<string, SchwartzValueId>();
for (const v of SCHWARTZ_VALUES) {
  VALUE_BY_KEY.set(nameKey(v.id), v.id);
  VALUE_BY_KEY.set(nameKey(v.name), v.id);
}
for (const v of SCHWARTZ_REFINED_VALUES) {
  if (!VALUE_BY_KEY.has(nameKey(v.id))) VALUE_BY_KEY.set(nameKey(v.id), v.foldsTo);
  if (!VALUE_BY_KEY.has(nameKey(v.name))) VALUE_BY_KEY.set(nameKey(v.name), v.foldsTo);
}
for (const [key, id] of Object.entries(VALUE_ALIASES)) if (!VALUE_BY_KEY.has(key)) VALUE_BY_KEY.set(key, id);

/**
 * Map a value-type name to one of the 10 basic values, or undefined. Case, punctuation and spacing are
 * ignored ("Self-direction", "self direction", "SELF_DIRECTION"). Names from the refined 19-value theory
 * fold into the 10 ("humility" → conformity, "face" → power, "Power: resources" → power).
 */
export function parseSchwartzValue(name: string): SchwartzValueId | undefined {
  const key = nameKey(name);
  return key ? VALUE_BY_KEY.get(key) : undefined;
}

/** Map a name to one of the 19 refined values, or undefined (basic names that are also refined, e.g. "Hedonism", match). */
export function parseSchwartzRefinedValue(name: string): SchwartzRefinedValueId | undefined {
  const key = nameKey(name);
  if (!key) return undefined;
  return SCHWARTZ_REFINED_VALUES.find((v) => nameKey(v.id) === key || nameKey(v.name) === key)?.id;
}
