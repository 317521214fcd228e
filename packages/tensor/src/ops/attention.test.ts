import { describe, expect, it } from 'vitest';
import golden from '../fixtures/attention.json';
import { tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';
import { type Case, type MaskKind, optsFor } from '../testing/attention-cases.js';
import {
  checkLeaks,
  DEVICE,
  deviceHasF16,
  expectClose,
  gradcheck,
  randomArray,
  useBackend,
} from '../testing/index.js';
import { attention } from './attention.js';

checkLeaks();

/** Forward + backward on one backend: [out, dq, dk, dv] as host arrays. */
async function run(c: Case, backend: typeof DEVICE | 'cpu', dtype: 'f32' | 'f16' = 'f32', seed = 1) {
  await useBackend(backend);
  const Sk = c.Sk ?? c.Sq;
  const qs = [c.B, c.H, c.Sq, c.Dh];
  const ks = [c.B, c.H, Sk, c.Dh];
  const n = (s: number[]) => s.reduce((p, d) => p * d, 1);
  const mk = (s: number[], sd: number) =>
    tensor(randomArray(n(s), sd, -1.5, 1.5), s, { dtype, requiresGrad: true });
  const q = mk(qs, seed);
  const k = mk(ks, seed + 1);
  const v = mk(ks, seed + 2);
  const opts = optsFor(c, backend);
  const out = tidy(() => {
    const o = attention(q, k, v, opts);
    const w = tensor(randomArray(n(qs), seed + 3), qs, { dtype });
    o.mul(w).sum().backward();
    return o;
  });
  const res = await Promise.all([out, q.grad!, k.grad!, v.grad!].map((t) => t.data()));
  for (const t of [out, q.grad!, k.grad!, v.grad!, q, k, v, opts.mask, opts.keyPadding]) t?.dispose();
  return res;
}

async function compare(c: Case, tol = { atol: 2e-5, rtol: 2e-4 }) {
  const cpu = await run(c, 'cpu');
  const device = await run(c, DEVICE);
  ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
    expectClose(device[i], cpu[i], { ...tol, label: `${JSON.stringify(c)} ${name}` });
    expect(device[i].every(Number.isFinite), `${name} finite`).toBe(true);
  });
}

describe('attention: device = CPU reference (forward and gradients)', () => {
  const kinds: MaskKind[] = ['none', 'causal', 'keyPadding', 'prefix', 'mask3d', 'causal+keyPadding', 'all'];
  // Each (mask form, padded head width) pair is its own set of pipelines, and lavapipe's JIT takes
  // seconds per pipeline at Dh 64: the wide heads get one mask of each form, not every kind.
  const sizes: Omit<Case, 'kind'>[] = [
    { B: 1, H: 2, Sq: 1, Dh: 8 },
    { B: 2, H: 1, Sq: 7, Dh: 16 },
    { B: 1, H: 3, Sq: 33, Dh: 16 },
    { B: 2, H: 2, Sq: 128, Dh: 8 },
  ];
  for (const kind of kinds) {
    it(`${kind}: S 1/7/33/128, Dh 8/16`, async () => {
      for (const s of sizes) await compare({ ...s, kind });
    }, 300_000);
  }
  it('Dh 64 (none, causal, arbitrary mask + padding), S 33 and 70', async () => {
    await compare({ B: 1, H: 3, Sq: 33, Dh: 64, kind: 'none' });
    await compare({ B: 2, H: 1, Sq: 70, Dh: 64, kind: 'causal' });
    await compare({ B: 2, H: 2, Sq: 33, Dh: 64, kind: 'all' });
  }, 600_000);
  it('padded head dims (Dh 5, 12) and Sq != Sk (causal is bottom-right aligned)', async () => {
    await compare({ B: 1, H: 2, Sq: 9, Dh: 5, kind: 'all' });
    await compare({ B: 2, H: 1, Sq: 20, Dh: 12, kind: 'causal' });
    await compare({ B: 1, H: 2, Sq: 5, Sk: 19, Dh: 16, kind: 'causal' });
    await compare({ B: 2, H: 1, Sq: 21, Sk: 6, Dh: 8, kind: 'causal+keyPadding' });
    await compare({ B: 2, H: 1, Sq: 3, Sk: 40, Dh: 8, kind: 'mask3d' });
  });
  it('reads non-contiguous q/k/v views ([B, S, H, Dh] permuted)', async () => {
    const results: ArrayLike<number>[][] = [];
    for (const be of ['cpu', DEVICE] as const) {
      await useBackend(be);
      const r = tidy(() => {
        const x = tensor(randomArray(2 * 11 * 3 * 3 * 8, 5), [2, 11, 3, 3 * 8]);
        const [q, k, v] = [0, 1, 2].map((i) => x.slice(3, i * 8, i * 8 + 8).permute([0, 2, 1, 3]));
        return attention(q, k, v, { causal: true });
      });
      results.push([await r.data()]);
      r.dispose();
    }
    expectClose(results[1][0], results[0][0], { atol: 2e-5, rtol: 2e-4 });
  });
});

describe('attention: fully masked rows', () => {
  it('give 0 outputs and 0 gradients, not NaN, on both backends', async () => {
    const B = 2;
    const H = 2;
    const S = 20;
    const Dh = 8;
    for (const be of ['cpu', DEVICE] as const) {
      await useBackend(be);
      const q = tensor(randomArray(B * H * S * Dh, 1), [B, H, S, Dh], { requiresGrad: true });
      const k = tensor(randomArray(B * H * S * Dh, 2), [B, H, S, Dh], { requiresGrad: true });
      const v = tensor(randomArray(B * H * S * Dh, 3), [B, H, S, Dh], { requiresGrad: true });
      // rows 3 and 17 see nothing; batch 1 has no valid key at all
      const m = new Uint32Array(S * S).fill(1);
      for (const r of [3, 17]) m.fill(0, r * S, (r + 1) * S);
      const mask = tensor(m, [S, S], { dtype: 'u32' });
      const kp = tensor(
        new Int32Array(B * S).map((_, i) => (i < S ? 1 : 0)),
        [B, S],
        { dtype: 'i32' },
      );
      const out = tidy(() => {
        const o = attention(q, k, v, { mask, keyPadding: kp });
        o.sum().backward();
        return o;
      });
      const [o, dq, dk, dv] = await Promise.all([out, q.grad!, k.grad!, v.grad!].map((t) => t.data()));
      for (const a of [o, dq, dk, dv]) expect(a.every(Number.isFinite), `${be}: finite`).toBe(true);
      const rowZero = (a: ArrayLike<number>, b: number, h: number, r: number) =>
        Array.from({ length: Dh }, (_, c) => a[((b * H + h) * S + r) * Dh + c]).every((x) => x === 0);
      for (let h = 0; h < H; h++) {
        for (const r of [3, 17]) {
          expect(rowZero(o, 0, h, r), `${be}: out row ${r}`).toBe(true);
          expect(rowZero(dq, 0, h, r), `${be}: dq row ${r}`).toBe(true);
        }
        for (let r = 0; r < S; r++) {
          expect(rowZero(o, 1, h, r) && rowZero(dq, 1, h, r), `${be}: batch 1 row ${r}`).toBe(true);
          expect(rowZero(dk, 1, h, r) && rowZero(dv, 1, h, r), `${be}: batch 1 dk/dv ${r}`).toBe(true);
        }
        expect(rowZero(o, 0, h, 4), `${be}: a visible row is not zero`).toBe(false);
      }
      for (const t of [out, q.grad!, k.grad!, v.grad!, q, k, v, mask, kp]) t.dispose();
    }
  });
});

describe('attention: gradcheck on the CPU reference', () => {
  it('bidirectional, causal, masked + padded', async () => {
    await useBackend('cpu');
    const sh = [1, 2, 5, 3];
    for (const kind of ['none', 'causal', 'all'] as MaskKind[]) {
      const c: Case = { B: 1, H: 2, Sq: 5, Dh: 3, kind };
      await gradcheck(
        (q, k, v) => {
          const o = optsFor(c, 'cpu');
          const y = attention(q, k, v, o);
          o.mask?.dispose();
          o.keyPadding?.dispose();
          return y;
        },
        [{ shape: sh }, { shape: sh, seed: 11 }, { shape: sh, seed: 12 }],
        { eps: 1e-3, atol: 2e-3, rtol: 2e-2 },
      );
    }
  });
});

describe('attention: PyTorch golden values', () => {
  interface GoldenCase {
    name: string;
    shape: number[];
    causal: boolean;
    scale: number;
    mask: { shape: number[]; data: number[] } | null;
    keyPadding: number[] | null;
    q: number[];
    k: number[];
    v: number[];
    w: number[];
    out: number[];
    dq: number[];
    dk: number[];
    dv: number[];
  }
  for (const be of ['cpu', DEVICE] as const) {
    it(`${be} matches torch (softmax(QKᵀ·scale + mask)V and its autograd)`, async () => {
      await useBackend(be);
      for (const g of (golden as unknown as { cases: GoldenCase[] }).cases) {
        const [B, , S] = g.shape;
        const q = tensor(g.q, g.shape, { requiresGrad: true });
        const k = tensor(g.k, g.shape, { requiresGrad: true });
        const v = tensor(g.v, g.shape, { requiresGrad: true });
        const mask = g.mask ? tensor(g.mask.data, g.mask.shape, { dtype: 'u32' }) : undefined;
        const kp = g.keyPadding ? tensor(g.keyPadding, [B, S], { dtype: 'i32' }) : undefined;
        const out = tidy(() => {
          const o = attention(q, k, v, { causal: g.causal, scale: g.scale, mask, keyPadding: kp });
          o.mul(tensor(g.w, g.shape)).sum().backward();
          return o;
        });
        const got = await Promise.all([out, q.grad!, k.grad!, v.grad!].map((t: Tensor) => t.data()));
        [g.out, g.dq, g.dk, g.dv].forEach((want, i) => {
          expectClose(got[i], want, {
            atol: 2e-5,
            rtol: 2e-4,
            label: `${g.name} ${['out', 'dq', 'dk', 'dv'][i]}`,
          });
        });
        for (const t of [out, q.grad!, k.grad!, v.grad!, q, k, v, mask, kp]) t?.dispose();
      }
    });
  }
});

describe('attention: f16 and errors', () => {
  it('f16 inputs (where the adapter has shader-f16) compute in f32 and match the CPU', async () => {
    await useBackend(DEVICE);
    if (!deviceHasF16()) return; // no f16 storage on this adapter
    const c: Case = { B: 1, H: 2, Sq: 24, Dh: 16, kind: 'prefix' };
    const cpu = await run(c, 'cpu', 'f16');
    const device = await run(c, DEVICE, 'f16');
    ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
      expectClose(device[i], cpu[i], { atol: 4e-3, rtol: 1e-2, label: `f16 ${name}` });
    });
  });
  it('names the op and the shapes', async () => {
    await useBackend('cpu');
    const q = tensor(new Float32Array(2 * 3 * 4), [1, 2, 3, 4]);
    const k = tensor(new Float32Array(2 * 5 * 4), [1, 2, 5, 4]);
    const bad = tensor(new Float32Array(2 * 5 * 3), [1, 2, 5, 3]);
    const m = tensor(new Uint32Array(9), [3, 3], { dtype: 'u32' });
    expect(() => attention(q, k, bad)).toThrow(
      /attention: shapes do not match: q \[1, 2, 3, 4\], k \[1, 2, 5, 4\]/,
    );
    expect(() => attention(q, k, k, { mask: m })).toThrow(/attention: mask must be i32\/u32 \[3, 5\]/);
    const q3 = q.reshape([2, 3, 4]);
    expect(() => attention(q3, k, k)).toThrow(/attention: q must be \[B, H, S, Dh\]/);
    const kp = tensor(new Int32Array(3), [1, 3], { dtype: 'i32' });
    expect(() => attention(q, k, k, { keyPadding: kp })).toThrow(/keyPadding must be i32\/u32 \[1, 5\]/);
    for (const t of [q, q3, k, bad, m, kp]) t.dispose();
  });
});
