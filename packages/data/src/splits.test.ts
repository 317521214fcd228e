import { describe, expect, it } from 'vitest';
import { faceSeed } from './random.js';
import { SPLIT_RANGES, splitOf } from './splits.js';

describe('splits', () => {
  it('cover the seed space without overlap', () => {
    expect(SPLIT_RANGES.test[0]).toBe(0);
    expect(SPLIT_RANGES.test[1]).toBe(SPLIT_RANGES.validation[0]);
    expect(SPLIT_RANGES.validation[1]).toBe(SPLIT_RANGES.train[0]);
    expect(SPLIT_RANGES.train[1]).toBe(2 ** 32);
    expect(splitOf(0)).toBe('test');
    expect(splitOf(SPLIT_RANGES.validation[0])).toBe('validation');
    expect(splitOf(2 ** 32 - 1)).toBe('train');
  });

  it('give about 4 % validation and 4 % test faces', () => {
    const n = 100_000;
    const c = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < n; i++) c[splitOf(faceSeed(9, i))]++;
    expect(c.test / n).toBeGreaterThan(0.035);
    expect(c.test / n).toBeLessThan(0.043);
    expect(c.validation / n).toBeGreaterThan(0.035);
    expect(c.validation / n).toBeLessThan(0.043);
  });

  it('depend on the face seed only: a held-out face is held out in every dataset', () => {
    const seen = new Map<number, string>();
    for (const base of [0, 1, 2]) {
      for (let i = 0; i < 20_000; i++) {
        const s = faceSeed(base, i);
        const split = splitOf(s);
        if (seen.has(s)) expect(seen.get(s)).toBe(split);
        seen.set(s, split);
      }
    }
  });
});
