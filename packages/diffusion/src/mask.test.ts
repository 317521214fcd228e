import { setBackend, tensor } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, randomArray, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { getSchedule, maskCount, maskPositions, maskTokens } from './index.js';

checkLeaks(DEVICE);

const B = 6;
const N = 16;
const MASK_ID = 99;
const T = [0, 0.05, 0.3, 0.5, 0.8, 1];
const codesHost = Int32Array.from(randomArray(B * N, 4, 0, 32), Math.floor);

async function corrupt(seed: number, backend: string, schedule: 'cosine' | 'log-linear' = 'cosine') {
  const codes = tensor(codesHost, [B, N], { dtype: 'i32', backend });
  const r = maskTokens(codes, T, { maskId: MASK_ID, seed, schedule });
  const noisy = Array.from((await r.noisy.data()) as Int32Array);
  const mask = Array.from((await r.mask.data()) as Float32Array);
  for (const t of [codes, r.noisy, r.mask]) t.dispose();
  return { noisy, mask, counts: Array.from(r.counts) };
}

describe('maskTokens', () => {
  it('masks exactly ceil(m(t)·N) positions per row (at least 1), maskId there and the codes elsewhere', async () => {
    for (const schedule of ['cosine', 'log-linear'] as const) {
      const { noisy, mask, counts } = await corrupt(11, DEVICE, schedule);
      const sch = getSchedule(schedule);
      for (let b = 0; b < B; b++) {
        const want = maskCount(sch.maskProb(T[b]), N);
        expect(counts[b], `row ${b}`).toBe(want);
        expect(mask.slice(b * N, (b + 1) * N).reduce((a, v) => a + v, 0)).toBe(want);
      }
      expect(counts[0]).toBe(1); // t = 0 still masks one
      expect(counts[B - 1]).toBe(N);
      for (let i = 0; i < B * N; i++) expect(noisy[i]).toBe(mask[i] ? MASK_ID : codesHost[i]);
    }
  });

  it('the same seed masks the same positions on every backend; another seed masks others', async () => {
    const dev = await corrupt(5, DEVICE);
    const cpu = await corrupt(5, 'cpu');
    setBackend(DEVICE);
    expect(dev).toEqual(cpu);
    expect((await corrupt(6, DEVICE)).mask).not.toEqual(dev.mask);
    // and on the host: maskPositions is what maskTokens used
    expect(Array.from(maskPositions(B, N, T, { seed: 5 }).mask)).toEqual(dev.mask);
  });

  it('positions are uniform: every 3-subset of 8 equally likely (chi-square over 56 cells)', () => {
    const rows = 5600;
    const t = new Array(rows).fill(0.4); // sin(0.2 pi)·8 = 4.70 → 5 masked: count the 3 unmasked
    const { mask, counts } = maskPositions(rows, 8, t, { seed: 21 });
    expect(counts.every((c) => c === 5)).toBe(true);
    const cells = new Map<number, number>();
    for (let r = 0; r < rows; r++) {
      let key = 0;
      for (let j = 0; j < 8; j++) key = key * 2 + mask[r * 8 + j];
      cells.set(key, (cells.get(key) ?? 0) + 1);
    }
    expect(cells.size).toBe(56);
    const e = rows / 56;
    const chi2 = [...cells.values()].reduce((a, o) => a + (o - e) ** 2 / e, 0);
    // 55 degrees of freedom: P(chi2 > 100) ≈ 2e-4
    expect(chi2).toBeLessThan(100);
  });

  it('bad input names what is wrong', async () => {
    await useBackend(DEVICE);
    const codes = tensor(new Int32Array(8), [2, 4]);
    expect(() => maskTokens(codes, [0.5], { maskId: 9, seed: 1 })).toThrow(
      'maskTokens: t has 1 values for 2 rows',
    );
    expect(() => maskTokens(codes, [0.5, 2], { maskId: 9, seed: 1 })).toThrow(
      'maskTokens: t[1] = 2 is not in [0, 1]',
    );
    expect(() => maskTokens(codes, [0.5, 0.5], { maskId: 1.5, seed: 1 })).toThrow(
      'maskId must be an integer',
    );
    expect(() => maskTokens(codes, [0.5, 0.5], { maskId: 9, seed: -3 })).toThrow('seed must be an integer');
    const f = tensor(new Float32Array(8), [2, 4]);
    expect(() => maskTokens(f, [0.5, 0.5], { maskId: 9, seed: 1 })).toThrow(
      'maskTokens: codes must be i32, got f32',
    );
    codes.dispose();
    f.dispose();
  });
});
