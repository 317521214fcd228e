import { ops } from '@unif2ace/tensor';
import { DEVICE, useBackend } from '@unif2ace/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import golden from './fixtures/schedules.json';
import {
  getSchedule,
  LogLinearSchedule,
  lowestK,
  maskCount,
  Philox,
  type ScheduleName,
  sampleLogits,
  scheduleFromConfig,
} from './index.js';

beforeAll(async () => {
  await useBackend(DEVICE);
});

const NAMES: ScheduleName[] = ['cosine', 'linear', 'log-linear'];
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe('schedules against tools/golden/diffusion_schedules.py (plain-Python reference)', () => {
  for (const name of NAMES) {
    it(`${name}: m, sigmaBar, rate, r, w = m'/m (= sigma'·r), ceil(m·64)`, () => {
      const s = getSchedule(name);
      const g = golden.schedules[name];
      golden.t.forEach((t, i) => {
        const at = `${name} t=${t}`;
        expect(Math.abs(s.maskProb(t) - g.maskProb[i]), `${at} m`).toBeLessThan(1e-15);
        if (t > 0) {
          expect(rel(s.sigmaBar(t), g.sigmaBar[i]), `${at} sigmaBar`).toBeLessThan(1e-12);
          expect(rel(s.rate(t), g.rate[i]), `${at} rate`).toBeLessThan(1e-12);
        }
        expect(rel(s.ratio(t), g.ratio[i]), `${at} r`).toBeLessThan(1e-10);
        expect(rel(s.weight(t), g.weight[i]), `${at} w`).toBeLessThan(1e-10);
        expect(maskCount(s.maskProb(t), 64), `${at} count`).toBe(g.maskCount64[i]);
      });
    });
  }

  it('closed forms: cosine w = (pi/2) cot(pi t/2), log-linear and linear w = 1/t, clamped at tMin', () => {
    const cos = getSchedule('cosine');
    expect(cos.weight(0.3)).toBeCloseTo(Math.PI / 2 / Math.tan((Math.PI / 2) * 0.3), 12);
    expect(cos.weight(1)).toBe(0);
    expect(getSchedule('log-linear').weight(0.25)).toBeCloseTo(4, 12);
    expect(getSchedule('linear').weight(0)).toBeCloseTo(1000, 9);
    expect(getSchedule('linear', { tMin: 0.01 }).weight(0.001)).toBeCloseTo(100, 9);
    expect(getSchedule('linear').rate(1)).toBe(Infinity);
  });

  it('config round trip; unknown names, keys and bad t are errors that say what is wrong', () => {
    const s = new LogLinearSchedule({ eps: 1e-4, tMin: 1e-2 });
    const back = scheduleFromConfig(JSON.parse(JSON.stringify(s.toConfig())));
    expect(back.toConfig()).toEqual(s.toConfig());
    expect(back.maskProb(0.5)).toBe(s.maskProb(0.5));
    expect(() => getSchedule('square' as ScheduleName)).toThrow(
      "unknown schedule 'square' (known: cosine, linear, log-linear)",
    );
    expect(() => scheduleFromConfig({ ...s.toConfig(), beta: 1 } as never)).toThrow(
      'unknown key(s) beta (valid: _class, _version, tMin, eps)',
    );
    expect(() => getSchedule('cosine').maskProb(1.5)).toThrow(
      'cosine.maskProb: t must be a number in [0, 1], got 1.5',
    );
    expect(() => getSchedule('cosine', { tMin: 0 })).toThrow('tMin must be in (0, 1)');
  });
});

describe('shared math', () => {
  it("the host Philox is tensor's Philox (same key and counter layout)", async () => {
    for (const seed of [0, 1, 12345, 2 ** 40 + 17]) {
      for (const offset of [0, 5, 2 ** 32 - 1]) {
        const t = ops.randomBits([4], { seed, offset, backend: 'cpu' });
        const want = Array.from((await t.data()) as Uint32Array);
        t.dispose();
        const hi = Math.floor(offset / 2 ** 32);
        expect(
          Array.from(new Philox(seed).block(offset % 2 ** 32, hi)),
          `seed ${seed} offset ${offset}`,
        ).toEqual(want);
      }
    }
    expect(() => new Philox(-1)).toThrow('seed must be an integer');
  });

  it('uniforms lie in (0, 1) with the right mean; lowestK picks the k smallest, ties to the lower index', () => {
    const rng = new Philox(9);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const [a, b] = rng.uniform2(i, 3, 2);
      expect(a > 0 && a < 1 && b > 0 && b < 1).toBe(true);
      sum += a + b;
    }
    expect(Math.abs(sum / 40000 - 0.5)).toBeLessThan(0.01);
    expect(Array.from(lowestK(Float64Array.from([3, 1, Infinity, 1, -2]), 3))).toEqual([0, 1, 0, 1, 1]);
    expect(Array.from(lowestK(Float64Array.from([1, 1]), 0))).toEqual([0, 0]);
  });

  it('sampleLogits follows softmax and reports the log-probability', () => {
    const l = Float64Array.from([0, Math.log(3), -Infinity, Math.log(6)]); // p = 0.1, 0.3, 0, 0.6
    const counts = [0, 0, 0, 0];
    const rng = new Philox(1);
    for (let i = 0; i < 20000; i++) counts[sampleLogits(l, 0, 4, rng.uniform(i, 0, 0)).id]++;
    expect(counts[2]).toBe(0);
    expect(Math.abs(counts[0] / 20000 - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(counts[3] / 20000 - 0.6)).toBeLessThan(0.015);
    expect(sampleLogits(l, 0, 4, 0.5).logp).toBeCloseTo(Math.log(0.6), 12);
    expect(sampleLogits(Float64Array.from([Number.NaN, Number.NaN]), 0, 2, 0.5).id).toBe(-1);
  });
});
