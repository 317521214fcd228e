import { describe, expect, it } from 'vitest';
import { faceSeed, Rng } from '../random.js';
import {
  ATTRIBUTE_NAMES,
  matchesCondition,
  sampleAttributes,
  taxonomy,
  validateRecord,
  visibleAttributes,
} from './index.js';
import type { FaceAttributes } from './types.js';

const faces = (n: number): FaceAttributes[] =>
  Array.from({ length: n }, (_, i) => sampleAttributes(Rng.derive(faceSeed(3, i), 'attributes')));

describe('taxonomy', () => {
  it('is versioned and covers the attributes of the issue', () => {
    expect(taxonomy.version).toMatch(/^\d+\.\d+\.\d+$/);
    const values = (n: string) => taxonomy.attributes.find((a) => a.name === n)?.values;
    expect(values('faceShape')).toEqual(['oval', 'round', 'square', 'heart', 'long']);
    expect(values('skinTone')).toHaveLength(6);
    expect(values('hairColor')).toEqual(['black', 'brown', 'blond', 'red', 'gray', 'white']);
    expect(values('hairLength')).toEqual(['bald', 'buzz', 'short', 'medium', 'long']);
    expect(values('glasses')).toEqual(['none', 'round', 'rectangular', 'sunglasses']);
    expect(values('expression')).toEqual(['neutral', 'smiling', 'laughing', 'surprised', 'angry', 'sad']);
    expect(ATTRIBUTE_NAMES.length).toBeGreaterThanOrEqual(29);
    expect(new Set(ATTRIBUTE_NAMES).size).toBe(ATTRIBUTE_NAMES.length);
  });

  it('samples every value of every attribute, and only taxonomy values', () => {
    const seen = new Map<string, Set<unknown>>();
    for (const a of faces(6000)) {
      expect(Object.keys(a).sort()).toEqual([...ATTRIBUTE_NAMES].sort());
      for (const [k, v] of Object.entries(a)) {
        if (!seen.has(k)) seen.set(k, new Set());
        seen.get(k)?.add(v);
      }
    }
    for (const spec of taxonomy.attributes) {
      expect([...(seen.get(spec.name) ?? [])].sort(), spec.name).toEqual([...spec.values].sort());
    }
  });

  it('hides what the image cannot show', () => {
    for (const full of faces(4000)) {
      const rec = visibleAttributes(full);
      expect(validateRecord(rec as unknown as Record<string, unknown>)).toEqual([]);
      if (full.glasses === 'sunglasses') expect(rec.eyeColor).toBeNull();
      if (full.faceMask) {
        expect(rec.lipstick).toBeNull();
        expect(rec.mustache).toBeNull();
        expect(rec.expression).toBeNull();
      }
      if (full.hairLength === 'bald') {
        expect(rec.bangs).toBeNull();
        expect(rec.hairColor).toBeNull();
      }
      if (full.hat !== 'none') expect(rec.bangs).toBeNull();
      for (const spec of taxonomy.attributes) {
        const hidden =
          spec.hiddenWhen?.some((c) => matchesCondition(full as unknown as Record<string, unknown>, c)) ??
          false;
        expect(rec[spec.name] === null, spec.name).toBe(hidden);
      }
    }
  });

  it('has sensible dependencies', () => {
    for (const a of faces(4000)) {
      if (a.gender === 'feminine') {
        expect(a.facialHair).toBe('none');
        expect(a.mustache).toBe(false);
      }
      if (a.facialHair === 'full-beard') expect(a.mustache).toBe(true);
      if (a.age === 'young') expect(a.skinTexture).not.toBe('wrinkles');
      if (a.recedingHairline) expect(a.bangs).toBe('none');
    }
  });

  it('validateRecord names what is wrong', () => {
    const rec = { ...visibleAttributes(faces(1)[0]), hairColor: 'green', extra: 1 } as Record<
      string,
      unknown
    >;
    delete rec.hat;
    expect(validateRecord(rec)).toEqual([
      'attribute "hairColor" has value "green", not one of ["black","brown","blond","red","gray","white"]',
      'missing attribute "hat"',
      'unknown attribute "extra"',
    ]);
  });
});
