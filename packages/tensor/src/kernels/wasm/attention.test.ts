import { describe, expect, it } from 'vitest';
import { attention } from '../../ops/attention.js';
import { tidy } from '../../scope.js';
import { type Tensor, tensor } from '../../tensor.js';
import { type Case, type MaskKind, optsFor } from '../../testing/attention-cases.js';
import { checkLeaks, expectClose, randomArray } from '../../testing/index.js';
import { getKernel } from '../registry.js';
import { attentionWasmCalls } from './attention.js';

// The fused WASM attention (forward + backward, threaded) against the CPU reference.
checkLeaks('wasm');

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

/** Forward + backward on one backend: [out, dq, dk, dv] as host arrays. */
async function run(c: Case, be: 'wasm' | 'cpu', dtype: 'f32' | 'f16' = 'f32') {
  const Sk = c.Sk ?? c.Sq;
  const qs = [c.B, c.H, c.Sq, c.Dh];
  const ks = [c.B, c.H, Sk, c.Dh];
  const mk = (s: number[], sd: number, lo = -1.5, hi = 1.5) =>
    tensor(randomArray(size(s), sd, lo, hi), s, { dtype, requiresGrad: true, backend: be });
  const q = mk(qs, 1);
  const k = mk(ks, 2);
  const v = mk(ks, 3);
  const opts = optsFor(c, be);
  const out = tidy(() => {
    const o = attention(q, k, v, opts);
    o.mul(tensor(randomArray(size(qs), 4), qs, { dtype, backend: be }))
      .sum()
      .backward();
    return o;
  });
  expect(out.backend.name).toBe(be);
  const res = await Promise.all([out, q.grad!, k.grad!, v.grad!].map((t) => t.data()));
  for (const t of [out, q.grad!, k.grad!, v.grad!, q, k, v, opts.mask, opts.keyPadding]) t?.dispose();
  return res;
}

async function compare(c: Case, tol = { atol: 1e-5, rtol: 1e-4 }) {
  const calls = { ...attentionWasmCalls };
  const want = await run(c, 'cpu');
  const got = await run(c, 'wasm');
  // the fused WASM kernels ran (not the CPU fallback), forward and backward
  expect(attentionWasmCalls.forward, 'wasm forward kernel ran').toBe(calls.forward + 1);
  expect(attentionWasmCalls.backward, 'wasm backward kernel ran').toBe(calls.backward + 1);
  ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
    expect(got[i].every(Number.isFinite), `${name} finite`).toBe(true);
    expectClose(got[i], want[i], { ...tol, label: `${JSON.stringify(c)} ${name}` });
  });
}

describe('wasm attention vs CPU reference (forward and gradients)', () => {
  const kinds: MaskKind[] = [
    'none',
    'causal',
    'keyPadding',
    'prefix',
    'mask3d',
    'mask1',
    'causal+keyPadding',
    'all',
  ];
  // B·H = 6 > 2 threads; S across the 4-row / 32-key blocks; Dh multiples of 4 and odd widths
  const seqs = [1, 7, 33, 130];
  for (const Dh of [8, 16, 32, 64, 12, 5]) {
    it(`Dh ${Dh}: every mask kind, S 1/7/33/130`, async () => {
      for (const kind of kinds) for (const S of seqs) await compare({ B: 2, H: 3, Sq: S, Dh, kind });
    }, 120_000);
  }

  it('Sq != Sk (causal bottom-right aligned, rows that see no key), decoding rows, batch x heads > threads', async () => {
    for (const kind of ['none', 'causal', 'causal+keyPadding', 'mask3d', 'all'] as MaskKind[]) {
      await compare({ B: 2, H: 2, Sq: 5, Sk: 70, Dh: 16, kind });
      await compare({ B: 2, H: 1, Sq: 37, Sk: 6, Dh: 8, kind });
      await compare({ B: 3, H: 4, Sq: 1, Sk: 33, Dh: 32, kind });
      await compare({ B: 1, H: 1, Sq: 66, Sk: 65, Dh: 12, kind });
      // Sq < 4: the one-row-at-a-time forward (decoding), threaded in the first case
      await compare({ B: 2, H: 8, Sq: 1, Sk: 300, Dh: 64, kind });
      await compare({ B: 2, H: 3, Sq: 3, Sk: 130, Dh: 12, kind });
      await compare({ B: 1, H: 2, Sq: 2, Sk: 2, Dh: 7, kind });
    }
  }, 120_000);

  it('B·H not a multiple of the threads: the backward splits key blocks (partial dQ per thread)', async () => {
    for (const kind of ['none', 'causal', 'prefix', 'all'] as MaskKind[]) {
      await compare({ B: 1, H: 3, Sq: 130, Dh: 16, kind });
      await compare({ B: 1, H: 1, Sq: 200, Sk: 190, Dh: 12, kind: kind === 'prefix' ? 'mask3d' : kind });
    }
  }, 120_000);

  it('large logits stay accurate (online softmax rescaling across key blocks)', async () => {
    // scale 8 spreads scores over ~±100: the running max changes between key blocks
    const c: Case = { B: 1, H: 2, Sq: 70, Dh: 16, kind: 'none' };
    const res: ArrayLike<number>[][] = [];
    for (const be of ['cpu', 'wasm'] as const) {
      const mk = (sd: number) =>
        tensor(randomArray(2 * 70 * 16, sd, -1.5, 1.5), [1, 2, 70, 16], { backend: be });
      const [q, k, v] = [mk(1), mk(2), mk(3)];
      const o = attention(q, k, v, { scale: 8, causal: true });
      res.push([await o.data()]);
      for (const t of [q, k, v, o]) t.dispose();
    }
    expectClose(res[1][0], res[0][0], { atol: 1e-5, rtol: 1e-4, label: `${JSON.stringify(c)} scale 8` });
  });

  it('saves the same row logsumexp as the CPU reference (+inf where no key is visible)', async () => {
    for (const Sq of [37, 3]) await compareLse(Sq);
  });
});

async function compareLse(Sq: number) {
  const B = 2;
  const H = 3;
  const Sk = 45;
  const D = 12;
  const lses: ArrayLike<number>[] = [];
  for (const be of ['cpu', 'wasm'] as const) {
    const mk = (s: number[], sd: number) => tensor(randomArray(size(s), sd, -2, 2), s, { backend: be });
    const q = mk([B, H, Sq, D], 1);
    const k = mk([B, H, Sk, D], 2);
    const v = mk([B, H, Sk, D], 3);
    // batch 1 has no valid key at all; row 4 of the mask sees nothing
    const kp = tensor(
      new Int32Array(B * Sk).map((_, i) => (i < Sk ? 1 : 0)),
      [B, Sk],
      { dtype: 'i32', backend: be },
    );
    const m = tensor(
      new Uint32Array(Sq * Sk).map((_, i) => (Math.floor(i / Sk) === 4 ? 0 : (i * 7) % 5 !== 0 ? 1 : 0)),
      [Sq, Sk],
      { dtype: 'u32', backend: be },
    );
    const outs = getKernel('attention', be)([q, k, v, m, kp], {
      scale: 0.4,
      causal: true,
      mask: true,
      keyPadding: true,
    }) as Tensor[];
    lses.push(await outs[1].data());
    for (const t of [q, k, v, m, kp, ...outs]) t.dispose();
  }
  const [want, got] = lses;
  expect(got.length).toBe(B * H * Sq);
  for (let i = 0; i < got.length; i++) {
    if (want[i] === Infinity) expect(got[i], `lse ${i}`).toBe(Infinity);
    else expect(Math.abs(got[i] - want[i]), `lse ${i}: ${got[i]} vs ${want[i]}`).toBeLessThan(1e-5);
  }
  expect(Array.from(want).filter((x) => x === Infinity).length).toBe(H * Sq + (Sq > 4 ? H : 0));
}

describe('wasm attention: special rows, views, dtypes', () => {
  it('fully masked rows give 0 outputs and 0 gradients, not NaN', async () => {
    const B = 2;
    const H = 2;
    const S = 20;
    const Dh = 8;
    const q = tensor(randomArray(B * H * S * Dh, 1), [B, H, S, Dh], { requiresGrad: true, backend: 'wasm' });
    const k = tensor(randomArray(B * H * S * Dh, 2), [B, H, S, Dh], { requiresGrad: true, backend: 'wasm' });
    const v = tensor(randomArray(B * H * S * Dh, 3), [B, H, S, Dh], { requiresGrad: true, backend: 'wasm' });
    const m = new Uint32Array(S * S).fill(1);
    for (const r of [3, 17]) m.fill(0, r * S, (r + 1) * S);
    const mask = tensor(m, [S, S], { dtype: 'u32', backend: 'wasm' });
    const kp = tensor(
      new Int32Array(B * S).map((_, i) => (i < S ? 1 : 0)),
      [B, S],
      { dtype: 'i32', backend: 'wasm' },
    );
    const out = tidy(() => {
      const o = attention(q, k, v, { mask, keyPadding: kp });
      o.sum().backward();
      return o;
    });
    const [o, dq, dk, dv] = await Promise.all([out, q.grad!, k.grad!, v.grad!].map((t) => t.data()));
    for (const a of [o, dq, dk, dv]) expect(a.every(Number.isFinite)).toBe(true);
    const rowZero = (a: ArrayLike<number>, b: number, h: number, r: number) =>
      Array.from({ length: Dh }, (_, c) => a[((b * H + h) * S + r) * Dh + c]).every((x) => x === 0);
    for (let h = 0; h < H; h++) {
      for (const r of [3, 17]) expect(rowZero(o, 0, h, r) && rowZero(dq, 0, h, r), `row ${r}`).toBe(true);
      for (let r = 0; r < S; r++) {
        expect(rowZero(o, 1, h, r) && rowZero(dq, 1, h, r), `batch 1 row ${r}`).toBe(true);
        expect(rowZero(dk, 1, h, r) && rowZero(dv, 1, h, r), `batch 1 key ${r}`).toBe(true);
      }
      expect(rowZero(o, 0, h, 4)).toBe(false);
    }
    for (const t of [out, q.grad!, k.grad!, v.grad!, q, k, v, mask, kp]) t.dispose();
  });

  it('non-contiguous q/k/v views and a long sequence split over threads', async () => {
    const res: ArrayLike<number>[][] = [];
    for (const be of ['cpu', 'wasm'] as const) {
      const x = tensor(randomArray(2 * 300 * 3 * 48, 5), [2, 300, 3, 48], {
        backend: be,
        requiresGrad: true,
      });
      const out = tidy(() => {
        const [q, k, v] = [0, 1, 2].map((i) => x.slice(3, i * 16, i * 16 + 16).permute([0, 2, 1, 3]));
        const o = attention(q, k, v, { causal: true });
        o.square().sum().backward();
        return o;
      });
      res.push([await out.data(), await x.grad!.data()]);
      for (const t of [out, x.grad!, x]) t.dispose();
    }
    expectClose(res[1][0], res[0][0], { atol: 1e-5, rtol: 1e-4, label: 'out' });
    expectClose(res[1][1], res[0][1], { atol: 1e-5, rtol: 1e-4, label: 'dx' });
  });

  it('f16 runs the CPU reference on WASM memory (forward and backward)', async () => {
    const c: Case = { B: 1, H: 2, Sq: 9, Dh: 8, kind: 'prefix' };
    const calls = { ...attentionWasmCalls };
    const want = await run(c, 'cpu', 'f16');
    const got = await run(c, 'wasm', 'f16');
    expect(attentionWasmCalls).toEqual(calls);
    for (const [i, g] of got.entries())
      expectClose(g, want[i], { atol: 0, rtol: 0, label: `f16 output ${i}` });
  });
});
