import { FaceProbe, headLayout } from '@unif2ace/eval';
import { seedInit } from '@unif2ace/nn';
import { scope, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, rand, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { PerceptualLoss } from './perceptual.js';

checkLeaks();

/** A small random face network (16 px; stages at 8, 4 and 2 px). */
function smallNet() {
  seedInit(4);
  return FaceProbe.create({ size: 16, channels: [8, 16, 16], features: 16, residual: true, shortcuts: true })
    .net;
}

/** The distance on the host from the network's stage activations: the formula in perceptual.ts, spelled out. */
async function hostDistance(loss: PerceptualLoss, a: number[], b: number[], shape: number[]) {
  const sa = loss.net.stages(tensor(Float32Array.from(a), shape));
  const sb = loss.net.stages(tensor(Float32Array.from(b), shape));
  let total = 0;
  for (let s = 0; s < sa.length; s++) {
    const [B, C, H, W] = sa[s].shape;
    const ya = await sa[s].data();
    const yb = await sb[s].data();
    let sum = 0;
    for (let n = 0; n < B; n++)
      for (let p = 0; p < H * W; p++) {
        let na = 0;
        let nb = 0;
        for (let c = 0; c < C; c++) {
          na += ya[(n * C + c) * H * W + p] ** 2;
          nb += yb[(n * C + c) * H * W + p] ** 2;
        }
        na = 1 / Math.sqrt(na + 1e-10);
        nb = 1 / Math.sqrt(nb + 1e-10);
        for (let c = 0; c < C; c++) {
          const i = (n * C + c) * H * W + p;
          sum += (ya[i] * na - yb[i] * nb) ** 2;
        }
      }
    total += sum / (B * H * W);
  }
  return total;
}

/** The attribute divergence on the host from the network's logits: the formula in perceptual.ts, in f64. */
async function hostDivergence(loss: PerceptualLoss, recon: number[], target: number[], shape: number[]) {
  const lr = (await loss.net.forward(tensor(Float32Array.from(recon), shape)).data()) as Float32Array;
  const lt = (await loss.net.forward(tensor(Float32Array.from(target), shape)).data()) as Float32Array;
  const { heads, width } = headLayout();
  const logSoftmax = (row: Float32Array, o: number, k: number) => {
    const v = Array.from(row.subarray(o, o + k));
    const m = Math.max(...v);
    const z = Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0)) + m;
    return v.map((x) => x - z);
  };
  let total = 0;
  for (const h of heads) {
    let kl = 0;
    for (let b = 0; b < shape[0]; b++) {
      const p = logSoftmax(lt.subarray(b * width, (b + 1) * width), h.offset, h.classes.length);
      const q = logSoftmax(lr.subarray(b * width, (b + 1) * width), h.offset, h.classes.length);
      for (let c = 0; c < p.length; c++) kl += Math.exp(p[c]) * (p[c] - q[c]);
    }
    total += kl / shape[0];
  }
  return total / heads.length;
}

describe('PerceptualLoss', () => {
  it('is zero for equal images and equals the host formula for different ones', async () => {
    await useBackend(DEVICE);
    const loss = new PerceptualLoss(smallNet());
    const shape = [2, 3, 16, 16];
    const x = rand(shape, 1);
    const y = rand(shape, 2);
    const same = tidy(() => loss.distance(x, x));
    expect(await same.item()).toBeLessThan(1e-9);
    const d = tidy(() => loss.distance(y, x));
    const want = await scope(async () =>
      hostDistance(loss, Array.from(await y.data()), Array.from(await x.data()), shape),
    );
    expectClose([await d.item()], [want], { rtol: 1e-4, atol: 1e-6 });
    expect(want).toBeGreaterThan(0.01);
    const one = rand([1, 3, 16, 16]);
    expect(() => loss.distance(one, x)).toThrow(/recon \[1, 3, 16, 16\] and target \[2/);
    for (const t of [x, y, one, same, d]) t.dispose();
    loss.dispose();
  });

  it('attribute divergence: zero for equal images, the host KL for different ones, one pass for both terms', async () => {
    await useBackend(DEVICE);
    const loss = new PerceptualLoss(smallNet());
    const shape = [2, 3, 16, 16];
    const x = rand(shape, 5);
    const y = rand(shape, 6);
    const same = tidy(() => loss.attributeDivergence(x, x));
    expect(Math.abs(await same.item())).toBeLessThan(1e-6);
    const a = tidy(() => loss.attributeDivergence(y, x));
    const want = await scope(async () =>
      hostDivergence(loss, Array.from(await y.data()), Array.from(await x.data()), shape),
    );
    expectClose([await a.item()], [want], { rtol: 1e-3, atol: 1e-6 });
    expect(want).toBeGreaterThan(1e-4);
    // terms() gives both, equal to the single-term methods
    const d = tidy(() => loss.distance(y, x));
    const both = tidy(() => {
      const t = loss.terms(y, x, { distance: true, attributes: true });
      return [t.distance, t.attributes].map((v) => v as NonNullable<typeof v>);
    });
    expectClose([await both[0].item(), await both[1].item()], [await d.item(), await a.item()], {
      rtol: 1e-5,
    });
    const none = loss.terms(y, x, {});
    expect([none.distance, none.attributes]).toEqual([null, null]);
    for (const t of [x, y, same, a, d, ...both]) t.dispose();
    loss.dispose();
    seedInit(1);
    const wrong = FaceProbe.create({ size: 16, channels: [8, 16], features: 8 }).net;
    expect(() => new PerceptualLoss(wrong, { ...headLayout(), width: 7 })).toThrow(
      /outputs, the head layout 7/,
    );
    wrong.dispose();
  });

  it.each([
    ['distance', 'distance', 3, [0, 37, 130, 255, 300, 511, 700], 2e-4, 1e-4],
    ['attribute divergence', 'attributeDivergence', 7, [0, 41, 128, 250, 333, 512, 767], 2e-5, 1e-4],
  ] as const)(
    '%s: gradients equal finite differences, on the reconstruction only (the network is frozen)',
    async (_, method, seed, checks, atol, least) => {
      await useBackend(DEVICE);
      const loss = new PerceptualLoss(smallNet());
      const term = (r: Tensor, t: Tensor) => loss[method](r, t);
      const shape = [1, 3, 16, 16];
      const target = rand(shape, seed);
      const base = Array.from(await scope(() => rand(shape, seed + 1).data()));
      const recon = tensor(Float32Array.from(base), shape, { requiresGrad: true });
      tidy(() => term(recon, target).backward());
      const grad = await recon.grad!.data();
      for (const p of loss.net.parameters()) expect(p.grad).toBeFalsy();
      const eps = 1e-2;
      const at = async (i: number, v: number) => {
        const vals = Float32Array.from(base);
        vals[i] = v;
        const t = tensor(vals, shape);
        const d = tidy(() => term(t, target));
        const out = await d.item();
        t.dispose();
        d.dispose();
        return out;
      };
      const fd: number[] = [];
      for (const i of checks)
        fd.push(((await at(i, base[i] + eps)) - (await at(i, base[i] - eps))) / (2 * eps));
      expectClose(
        checks.map((i) => grad[i]),
        fd,
        { atol, rtol: 0.05, label: `d ${method} / d recon` },
      );
      expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(least);
      recon.grad?.dispose();
      recon.dispose();
      target.dispose();
      loss.dispose();
    },
  );
});
