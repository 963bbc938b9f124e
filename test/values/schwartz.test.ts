import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  HIGHER_ORDER_GROUPS,
  SCHWARTZ_CIRCUMPLEX,
  SCHWARTZ_CIRCUMPLEX_ORDER,
  SCHWARTZ_ITEMS,
  SCHWARTZ_ITEM_ALIASES,
  SCHWARTZ_REFINED_VALUES,
  SCHWARTZ_REFINED_VALUE_IDS,
  SCHWARTZ_VALUES,
  SCHWARTZ_VALUE_IDS,
  areCircumplexNeighbours,
  circumplexDistance,
  circumplexNeighbours,
  circumplexPosition,
  findSchwartzItem,
  foldRefinedValue,
  getSchwartzItem,
  higherOrderGroupsOf,
  itemsOfValue,
  nameKey,
  parseSchwartzRefinedValue,
  parseSchwartzValue,
  valuesConflict,
  type SchwartzValueId,
} from '../../src/values/index.ts';

describe('Schwartz basic values', () => {
  it('has the 10 values in FULCRA vector order', () => {
    expect([...SCHWARTZ_VALUE_IDS]).toEqual([
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
    ]);
    SCHWARTZ_VALUES.forEach((v, i) => {
      expect(v.index).toBe(i);
      expect(v.id).toBe(SCHWARTZ_VALUE_IDS[i]);
      expect(v.name.length).toBeGreaterThan(0);
      expect(v.definition.length).toBeGreaterThan(10);
    });
  });

  it('groups values into 4 higher-order groups, hedonism in two', () => {
    expect(HIGHER_ORDER_GROUPS.map((g) => g.id)).toEqual([
      'openness_to_change',
      'self_enhancement',
      'conservation',
      'self_transcendence',
    ]);
    expect([...higherOrderGroupsOf('hedonism')].sort()).toEqual(['openness_to_change', 'self_enhancement']);
    for (const id of SCHWARTZ_VALUE_IDS) {
      const groups = HIGHER_ORDER_GROUPS.filter((g) => g.values.includes(id));
      expect(groups.length).toBe(id === 'hedonism' ? 2 : 1);
    }
    expect(higherOrderGroupsOf('benevolence')).toEqual(['self_transcendence']);
    expect(higherOrderGroupsOf('tradition')).toEqual(['conservation']);
    for (const g of HIGHER_ORDER_GROUPS) {
      const opposite = HIGHER_ORDER_GROUPS.find((o) => o.id === g.opposite)!;
      expect(opposite.opposite).toBe(g.id);
    }
  });
});

describe('the 54 value items', () => {
  it('has exactly 54 items with unique ids and names', () => {
    expect(SCHWARTZ_ITEMS).toHaveLength(54);
    expect(new Set(SCHWARTZ_ITEMS.map((i) => i.id)).size).toBe(54);
    expect(new Set(SCHWARTZ_ITEMS.map((i) => nameKey(i.name))).size).toBe(54);
    SCHWARTZ_ITEMS.forEach((item, i) => {
      expect(item.index).toBe(i);
      expect(item.id).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(item.id).toBe(item.name.toLowerCase().replace(/[^a-z0-9]+/g, '_'));
      expect(SCHWARTZ_VALUE_IDS).toContain(item.value);
    });
  });

  it('has the per-value counts of FULCRA’s 10-value map', () => {
    const expected: Record<SchwartzValueId, number> = {
      self_direction: 7,
      stimulation: 3,
      hedonism: 3,
      achievement: 5,
      power: 5,
      security: 8,
      tradition: 2,
      conformity: 7,
      benevolence: 7,
      universalism: 7,
    };
    for (const id of SCHWARTZ_VALUE_IDS) expect(itemsOfValue(id).length, id).toBe(expected[id]);
  });

  it('keeps FULCRA names and code order', () => {
    expect(SCHWARTZ_ITEMS[0]).toMatchObject({ id: 'be_creative', name: 'Be creative', value: 'self_direction' });
    expect(SCHWARTZ_ITEMS[23]).toMatchObject({ id: 'observing_social_norms', name: 'Observing social norms', value: 'security' });
    expect(SCHWARTZ_ITEMS[53]).toMatchObject({ id: 'be_broadminded', name: 'Be broadminded', value: 'universalism' });
    expect(getSchwartzItem('have_a_social_recognition')?.value).toBe('power');
    expect(getSchwartzItem('be_self_indulgent')?.name).toBe('Be self-indulgent');
    expect(getSchwartzItem('be_humble')?.value).toBe('conformity');
  });
});

describe('circumplex', () => {
  it('is a cycle over all 10 values with conformity and tradition sharing a wedge', () => {
    expect(SCHWARTZ_CIRCUMPLEX).toHaveLength(9);
    expect([...SCHWARTZ_CIRCUMPLEX_ORDER].sort()).toEqual([...SCHWARTZ_VALUE_IDS].sort());
    expect(circumplexPosition('conformity')).toMatchObject({ ring: 'inner' });
    expect(circumplexPosition('tradition')).toMatchObject({ ring: 'outer' });
    expect(circumplexPosition('conformity').wedge).toBe(circumplexPosition('tradition').wedge);
    expect(circumplexPosition('self_direction')).toEqual({ wedge: 0, angle: 0, ring: 'full' });
    expect(circumplexPosition('universalism').angle).toBe(320);
  });

  it('has the documented neighbours', () => {
    expect(circumplexNeighbours('benevolence').sort()).toEqual(['conformity', 'tradition', 'universalism']);
    expect(circumplexNeighbours('universalism').sort()).toEqual(['benevolence', 'self_direction']);
    expect(circumplexNeighbours('self_direction').sort()).toEqual(['stimulation', 'universalism']);
    expect(circumplexNeighbours('security').sort()).toEqual(['conformity', 'power', 'tradition']);
    expect(circumplexNeighbours('tradition').sort()).toEqual(['benevolence', 'conformity', 'security']);
    expect(circumplexNeighbours('hedonism').sort()).toEqual(['achievement', 'stimulation']);
    // walking the wedges visits every value and returns to the start
    const n = SCHWARTZ_CIRCUMPLEX.length;
    for (let w = 0; w < n; w++) {
      for (const a of SCHWARTZ_CIRCUMPLEX[w]!) {
        for (const b of SCHWARTZ_CIRCUMPLEX[(w + 1) % n]!) {
          expect(areCircumplexNeighbours(a, b)).toBe(true);
          expect(areCircumplexNeighbours(b, a)).toBe(true);
        }
      }
    }
  });

  it('makes opposites conflict and neighbours compatible', () => {
    expect(valuesConflict('self_direction', 'conformity')).toBe(true);
    expect(valuesConflict('stimulation', 'security')).toBe(true);
    expect(valuesConflict('power', 'universalism')).toBe(true);
    expect(valuesConflict('achievement', 'benevolence')).toBe(true);
    expect(valuesConflict('hedonism', 'tradition')).toBe(true);
    expect(valuesConflict('hedonism', 'benevolence')).toBe(true);
    expect(valuesConflict('benevolence', 'universalism')).toBe(false);
    expect(valuesConflict('security', 'power')).toBe(false);
    for (const a of SCHWARTZ_VALUE_IDS) {
      expect(valuesConflict(a, a)).toBe(false);
      for (const b of circumplexNeighbours(a)) expect(valuesConflict(a, b), `${a}/${b}`).toBe(false);
      for (const b of SCHWARTZ_VALUE_IDS) {
        expect(valuesConflict(a, b)).toBe(valuesConflict(b, a));
        if (valuesConflict(a, b)) expect(circumplexDistance(a, b), `${a}/${b}`).toBeGreaterThanOrEqual(2);
      }
    }
    expect(circumplexDistance('power', 'universalism')).toBe(4);
    expect(circumplexDistance('conformity', 'tradition')).toBe(0);
  });
});

describe('refined 19-value theory', () => {
  it('has 19 values, each folding to one of the 10, covering all 10', () => {
    expect(SCHWARTZ_REFINED_VALUE_IDS).toHaveLength(19);
    expect(SCHWARTZ_REFINED_VALUES.map((v) => v.id)).toEqual([...SCHWARTZ_REFINED_VALUE_IDS]);
    for (const v of SCHWARTZ_REFINED_VALUES) {
      expect(SCHWARTZ_VALUE_IDS).toContain(v.foldsTo);
      expect(v.definition.length).toBeGreaterThan(10);
    }
    expect(new Set(SCHWARTZ_REFINED_VALUES.map((v) => v.foldsTo)).size).toBe(10);
  });

  it('folds face into power, humility into conformity and the splits into their parent', () => {
    expect(foldRefinedValue('face')).toBe('power');
    expect(foldRefinedValue('humility')).toBe('conformity');
    expect(foldRefinedValue('self_direction_thought')).toBe('self_direction');
    expect(foldRefinedValue('power_resources')).toBe('power');
    expect(foldRefinedValue('security_societal')).toBe('security');
    expect(foldRefinedValue('conformity_interpersonal')).toBe('conformity');
    expect(foldRefinedValue('benevolence_dependability')).toBe('benevolence');
    expect(foldRefinedValue('universalism_nature')).toBe('universalism');
    for (const v of SCHWARTZ_REFINED_VALUES) {
      const parent = v.id.split('_')[0]!;
      if (v.id.includes('_') && v.id !== 'self_direction_thought' && v.id !== 'self_direction_action') {
        expect(v.foldsTo).toBe(parent);
      }
    }
  });
});

describe('findSchwartzItem', () => {
  it('matches names ignoring case, punctuation and spacing', () => {
    expect(findSchwartzItem('Be creative')).toMatchObject({ item: { id: 'be_creative' }, via: 'name' });
    expect(findSchwartzItem('  BE   CREATIVE ')?.item.id).toBe('be_creative');
    expect(findSchwartzItem('be self indulgent')?.item.id).toBe('be_self_indulgent');
    expect(findSchwartzItem('Be_Self-Indulgent')?.item.id).toBe('be_self_indulgent');
    expect(findSchwartzItem('be_broadminded')?.item.id).toBe('be_broadminded');
    expect(findSchwartzItem('be broad-minded')?.item.id).toBe('be_broadminded');
    expect(findSchwartzItem('social justice')?.item.value).toBe('universalism');
  });

  it('matches aliases and marks them', () => {
    const recognition = findSchwartzItem('have social recognition');
    expect(recognition).toMatchObject({ item: { id: 'have_a_social_recognition' }, via: 'alias', alias: { kind: 'variant' } });
    const respectful = findSchwartzItem('Be respectful');
    expect(respectful).toMatchObject({ item: { id: 'be_polite', value: 'conformity' }, via: 'alias', alias: { kind: 'off_list' } });
    expect(findSchwartzItem('be honouring parents and elders')?.item.id).toBe('be_honoring_parents_and_elders');
    for (const alias of SCHWARTZ_ITEM_ALIASES) {
      expect(getSchwartzItem(alias.itemId), alias.alias).toBeDefined();
      // no alias shadows a real item name
      expect(SCHWARTZ_ITEMS.some((i) => nameKey(i.name) === nameKey(alias.alias))).toBe(false);
    }
  });

  it('matches a name without its leading be/have, and nothing else', () => {
    expect(findSchwartzItem('curious')).toMatchObject({ item: { id: 'be_curious' }, via: 'stem' });
    expect(findSchwartzItem('having wealth')?.item.id).toBe('have_wealth');
    expect(findSchwartzItem('a world at peace')?.item.id).toBe('have_a_world_at_peace');
    expect(findSchwartzItem('be kind to robots')).toBeUndefined();
    expect(findSchwartzItem('')).toBeUndefined();
    expect(findSchwartzItem('!!!')).toBeUndefined();
  });
});

describe('parseSchwartzValue', () => {
  it('maps type names to the 10 ids', () => {
    expect(parseSchwartzValue('Self-direction')).toBe('self_direction');
    expect(parseSchwartzValue('self direction')).toBe('self_direction');
    expect(parseSchwartzValue('SELF_DIRECTION')).toBe('self_direction');
    expect(parseSchwartzValue(' Benevolence ')).toBe('benevolence');
    for (const v of SCHWARTZ_VALUES) {
      expect(parseSchwartzValue(v.id)).toBe(v.id);
      expect(parseSchwartzValue(v.name)).toBe(v.id);
    }
  });

  it('folds refined names into the 10', () => {
    expect(parseSchwartzValue('humility')).toBe('conformity');
    expect(parseSchwartzValue('Face')).toBe('power');
    expect(parseSchwartzValue('Power: resources')).toBe('power');
    expect(parseSchwartzValue('Self-direction: thought')).toBe('self_direction');
    expect(parseSchwartzValue('Universalism: objectivity')).toBe('universalism');
    for (const v of SCHWARTZ_REFINED_VALUES) expect(parseSchwartzValue(v.name)).toBe(v.foldsTo);
  });

  it('returns undefined for anything else', () => {
    expect(parseSchwartzValue('care')).toBeUndefined();
    expect(parseSchwartzValue('be honest')).toBeUndefined();
    expect(parseSchwartzValue('')).toBeUndefined();
    expect(parseSchwartzValue('conservation')).toBeUndefined();
  });

  it('parseSchwartzRefinedValue keeps the 19', () => {
    expect(parseSchwartzRefinedValue('Humility')).toBe('humility');
    expect(parseSchwartzRefinedValue('power dominance')).toBe('power_dominance');
    expect(parseSchwartzRefinedValue('Hedonism')).toBe('hedonism');
    expect(parseSchwartzRefinedValue('power')).toBeUndefined();
  });
});

// The labelled FULCRA sample, when this checkout has the shared reference data beside it.
const FULCRA_DEV = '/work/shared/data/fulcra/trustworthy-dev.jsonl';

describe.skipIf(!existsSync(FULCRA_DEV))('FULCRA labels resolve', () => {
  it('every item and type name in the dev sample is found', () => {
    const items = new Set<string>();
    const types = new Set<string>();
    for (const line of readFileSync(FULCRA_DEV, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { value_items?: string[]; value_types?: string[] };
      for (const label of row.value_items ?? []) items.add(label.split(':')[0]!.trim());
      for (const label of row.value_types ?? []) types.add(label.split(':')[0]!.trim());
    }
    expect([...items].filter((name) => !findSchwartzItem(name))).toEqual([]);
    expect([...types].filter((name) => !parseSchwartzValue(name))).toEqual([]);
  });
});
