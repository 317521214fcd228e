import { describe, expect, it } from 'vitest';
import { mix32, mulberry32, Rng } from './index.js';

describe('Rng', () => {
  it('is mulberry32: the sequence every package used before it moved here', () => {
    // values of the published mulberry32 (Tommy Ettinger) for seeds 0 and 42
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return [r.next(), r.next(), r.next()];
    };
    expect(draw(0)).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
    expect(draw(42)).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    expect(mulberry32(42)[0]).toBe(0.6011037519201636);
  });

  it('continues from a saved state', () => {
    const a = new Rng(7);
    a.next();
    const b = new Rng(a.state);
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
  });

  it('derives independent streams by label without consuming the parent', () => {
    expect(Rng.derive(1, 'caption').next()).toBe(Rng.derive(1, 'caption').next());
    expect(Rng.derive(1, 'caption').next()).not.toBe(Rng.derive(1, 'qa').next());
    expect(mix32(1, 2)).not.toBe(mix32(2, 1));
    expect(Number.isInteger(mix32(0xffffffff, 0xffffffff))).toBe(true);
  });

  it('draws within range: int, range, uniformArray, shuffle, weighted', () => {
    const r = new Rng(3);
    for (let i = 0; i < 1000; i++) {
      const k = r.int(5);
      expect(k >= 0 && k < 5 && Number.isInteger(k)).toBe(true);
      const x = r.range(-2, 3);
      expect(x >= -2 && x < 3).toBe(true);
    }
    const u = r.uniformArray(100, -1, 1);
    expect(u.every((v) => v >= -1 && v < 1)).toBe(true);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(r.weighted(['a', 'b'], [0, 1])).toBe('b');
    expect(() => r.weighted(['a'], [1, 2])).toThrow('Rng.weighted: 1 items but 2 weights');
    expect(() => r.pick([])).toThrow('Rng.pick: empty list');
  });

  it('normal() has mean 0 and variance 1', () => {
    const r = new Rng(11);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });
});
