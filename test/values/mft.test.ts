import { describe, expect, it } from 'vitest';
import {
  MFT_CORE_FOUNDATIONS,
  MFT_CORE_IDS,
  MFT_FOUNDATIONS,
  MFT_FOUNDATION_IDS,
  getMoralFoundation,
  parseMftFoundation,
} from '../../src/values/index.ts';

describe('Moral Foundations', () => {
  it('has five core foundations and liberty as the sixth', () => {
    expect([...MFT_CORE_IDS]).toEqual(['care', 'fairness', 'loyalty', 'authority', 'sanctity']);
    expect([...MFT_FOUNDATION_IDS]).toEqual(['care', 'fairness', 'loyalty', 'authority', 'sanctity', 'liberty']);
    expect(MFT_FOUNDATIONS.map((f) => f.id)).toEqual([...MFT_FOUNDATION_IDS]);
    expect(MFT_CORE_FOUNDATIONS.map((f) => f.id)).toEqual([...MFT_CORE_IDS]);
    expect(getMoralFoundation('liberty').core).toBe(false);
  });

  it('gives every foundation a virtue and a vice pole', () => {
    for (const f of MFT_FOUNDATIONS) {
      expect(f.name).toBe(`${f.virtue.name} / ${f.vice.name}`);
      expect(f.definition.length).toBeGreaterThan(10);
      for (const pole of [f.virtue, f.vice]) {
        expect(pole.name.length).toBeGreaterThan(0);
        expect(pole.description.length).toBeGreaterThan(5);
      }
    }
    expect(getMoralFoundation('care').name).toBe('Care / Harm');
    expect(getMoralFoundation('sanctity').vice.name).toBe('Degradation');
  });

  it('parses foundation names as they appear in data', () => {
    expect(parseMftFoundation('Care/Harm')).toBe('care');
    expect(parseMftFoundation('Fairness / Cheating')).toBe('fairness');
    expect(parseMftFoundation('Sanctity/Degradation')).toBe('sanctity');
    expect(parseMftFoundation('purity')).toBe('sanctity');
    expect(parseMftFoundation('Betrayal')).toBe('loyalty');
    expect(parseMftFoundation('LIBERTY')).toBe('liberty');
    expect(parseMftFoundation('benevolence')).toBeUndefined();
    expect(parseMftFoundation('')).toBeUndefined();
  });
});
