import { tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { FSQ } from './fsq.js';

checkLeaks();

const EPS = 1e-3;
/** The latent z whose bounded value is b on a channel with L levels (the inverse of b(z)). */
function latentFor(b: number, L: number): number {
  const h = ((L - 1) * (1 + EPS)) / 2;
  const o = L % 2 === 0 ? 0.5 : 0;
  return Math.atanh((b + o) / h) - Math.atanh(o / h);
}

describe('FSQ', () => {
  it('levels give the codebook size, mixed-radix basis and bounded values', async () => {
    const q = new FSQ({ levels: [8, 5, 5, 5] });
    expect(q.codebookSize).toBe(1000);
    expect(q.basis).toEqual([1, 8, 40, 200]);
    expect(q.dim).toBe(4);
    expect(() => new FSQ({ levels: [1, 4] })).toThrow(/levels must be integers >= 2/);
    q.dispose();
  });

  it('every code round-trips: latents at each level round to it, and codesToLatents matches zq', async () => {
    await useBackend(DEVICE);
    const levels = [8, 5, 3];
    const q = new FSQ({ levels });
    const K = q.codebookSize;
    // code k -> digits -> the latent whose bounded value is exactly that level (+ a nudge inside the bin)
    const z = new Float32Array(K * 3);
    for (let k = 0; k < K; k++) {
      let r = k;
      levels.forEach((L, i) => {
        const digit = r % L;
        r = Math.floor(r / L);
        z[i * K + k] = latentFor(digit - Math.floor(L / 2), L);
      });
    }
    const zt = tensor(z, [1, 3, 1, K]);
    const r = q.quantize(zt);
    expect(Array.from(await r.codes.data())).toEqual(Array.from({ length: K }, (_, k) => k));
    const back = q.codesToLatents(r.codes);
    expectClose(await back.data(), await r.zq.data(), { atol: 1e-6 });
    // quantized values are level / floor(L / 2): channel 0 (L = 8) takes -1, -0.75, ..., 0.75
    const zq = await r.zq.data();
    expect(new Set(Array.from(zq.subarray(0, K)))).toEqual(
      new Set([-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75]),
    );
    expect(new Set(Array.from(zq.subarray(2 * K)))).toEqual(new Set([-1, 0, 1]));
    for (const t of [zt, r.codes, r.zq, r.loss, back]) t.dispose();
    q.dispose();
  });

  it('codesToLatents reads every code of large codebooks (the shipped [8, 5, 5, 5] included)', async () => {
    await useBackend(DEVICE);
    for (const levels of [
      [8, 5, 5, 5],
      [8, 8, 8, 6, 5],
    ]) {
      const q = new FSQ({ levels });
      const K = q.codebookSize;
      const codes = tensor(
        Int32Array.from({ length: K }, (_, k) => k),
        [1, 1, K],
      );
      const back = q.codesToLatents(codes);
      const got = await back.data();
      const want = new Float32Array(K * levels.length);
      for (let k = 0; k < K; k++) {
        let r = k;
        levels.forEach((L, i) => {
          const h = Math.floor(L / 2);
          want[i * K + k] = ((r % L) - h) / h;
          r = Math.floor(r / L);
        });
      }
      expectClose(got, want, { atol: 1e-6 });
      for (const t of [codes, back]) t.dispose();
      q.dispose();
    }
  });

  it('bounds large latents to the outer levels', async () => {
    await useBackend(DEVICE);
    const q = new FSQ({ levels: [5, 8] });
    const zt = tensor([40, -40, 0, 40, -40, 0], [1, 2, 1, 3]);
    const b = tidy(() => q.bound(zt.reshape([2, 3]).T.contiguous()));
    // L = 5: h = 2.002, o = 0; L = 8: h = 3.5035, o = 0.5, b(0) = 0 by the shift
    expectClose(await b.data(), [2.002, 3.0035, -2.002, -4.0035, 0, 0], { atol: 1e-5 });
    const r = q.quantize(zt);
    expectClose(await r.zq.data(), [1, -1, 0, 0.75, -1, 0], { atol: 0 });
    expect(Array.from(await r.codes.data())).toEqual([4 + 5 * 7, 0, 2 + 5 * 4]);
    for (const t of [zt, b, r.codes, r.zq, r.loss]) t.dispose();
    q.dispose();
  });

  it('passes the gradient of the bound straight through the rounding', async () => {
    await useBackend(DEVICE);
    const q = new FSQ({ levels: [8, 5] });
    const vals = [0.3, -1.2, 0.05, 0.7, 2.5, -0.4];
    const z = tensor(vals, [1, 2, 1, 3], { requiresGrad: true });
    const r = q.quantize(z);
    tidy(() => r.zq.sum().backward());
    // d/dz [h tanh(z + s) - o] / floor(L/2) = h (1 - tanh^2(z + s)) / floor(L/2)
    const want = vals.map((v, i) => {
      const L = i < 3 ? 8 : 5;
      const h = ((L - 1) * (1 + EPS)) / 2;
      const s = Math.atanh((L % 2 === 0 ? 0.5 : 0) / h);
      return (h * (1 - Math.tanh(v + s) ** 2)) / Math.floor(L / 2);
    });
    expectClose(await z.grad!.data(), want, { atol: 1e-5, rtol: 1e-4 });
    for (const t of [z, z.grad!, r.codes, r.zq, r.loss]) t.dispose();
    q.dispose();
  });

  it('codeEntropy matches a brute-force sum over every code, and its gradient finite differences', async () => {
    await useBackend(DEVICE);
    const levels = [4, 3, 2];
    const q = new FSQ({ levels });
    const N = 5;
    const tau = 0.7;
    const vals = Array.from({ length: N * 3 }, (_, i) => Math.sin(1.7 * i + 0.3) * 1.5);
    // Reference in float64: soft level assignments per channel, the joint over all 24 codes as products.
    const ref = (v: number[]) => {
      const half = levels.map((L) => ((L - 1) * (1 + EPS)) / 2);
      const off = levels.map((L) => (L % 2 === 0 ? 0.5 : 0));
      const p = (n: number, i: number) => {
        const L = levels[i];
        const b = half[i] * Math.tanh(v[n * 3 + i] + Math.atanh(off[i] / half[i])) - off[i];
        const w = Array.from({ length: L }, (_, j) => Math.exp(-((b - (j - Math.floor(L / 2))) ** 2) / tau));
        const s = w.reduce((a, x) => a + x, 0);
        return w.map((x) => x / s);
      };
      let perSample = 0;
      const avg = new Float64Array(24);
      for (let n = 0; n < N; n++) {
        const ps = [0, 1, 2].map((i) => p(n, i));
        for (let k = 0; k < 24; k++) {
          const pk = ps[0][k % 4] * ps[1][Math.floor(k / 4) % 3] * ps[2][Math.floor(k / 12)];
          perSample -= (pk * Math.log(pk)) / N;
          avg[k] += pk / N;
        }
      }
      const codebook = -avg.reduce((a, x) => a + x * Math.log(x), 0);
      return { perSample, codebook, loss: perSample - codebook };
    };
    const rows = tensor(vals, [N, 3], { requiresGrad: true });
    const e = q.codeEntropy(rows, tau);
    const want = ref(vals);
    expect(await e.perSample.item()).toBeCloseTo(want.perSample, 4);
    expect(await e.codebook.item()).toBeCloseTo(want.codebook, 4);
    expect(await e.loss.item()).toBeCloseTo(want.loss, 4);
    // A spread batch has a larger codebook entropy than one latent repeated (whose codebook entropy is its
    // per-sample entropy).
    const same = tensor(
      Array.from({ length: N * 3 }, (_, i) => vals[i % 3]),
      [N, 3],
    );
    const e1 = q.codeEntropy(same, tau);
    expect(await e1.codebook.item()).toBeCloseTo(await e1.perSample.item(), 4);
    expect(want.codebook).toBeGreaterThan((await e1.codebook.item()) + 0.3);
    tidy(() => e.loss.backward());
    const g = await rows.grad!.data();
    const h = 1e-4;
    for (const i of [0, 4, 8, 13]) {
      const up = [...vals];
      const dn = [...vals];
      up[i] += h;
      dn[i] -= h;
      expect(g[i]).toBeCloseTo((ref(up).loss - ref(dn).loss) / (2 * h), 2);
    }
    expect(() => q.codeEntropy(rows, 0)).toThrow(/temperature must be > 0/);
    expect(() => tidy(() => q.codeEntropy(same.reshape([3, N]), tau).loss)).toThrow(/expected rows \[N, 3\]/);
    for (const t of [
      rows,
      rows.grad!,
      e.perSample,
      e.codebook,
      e.loss,
      same,
      e1.perSample,
      e1.codebook,
      e1.loss,
    ])
      t.dispose();
    q.dispose();
  });
});
