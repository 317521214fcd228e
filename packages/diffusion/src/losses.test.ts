import { setBackend, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, gradcheck, randomArray } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import {
  d3diffLoss,
  getSchedule,
  maskedCrossEntropy,
  maskTokens,
  raddLogScores,
  raddScoreEntropy,
  type ScheduleName,
  scoreEntropy,
} from './index.js';

checkLeaks(DEVICE);

// A unified vocabulary of V = 11 columns whose image codes are [3, 9): K = 6.
const B = 3;
const N = 5;
const V = 11;
const SLICE: [number, number] = [3, 9];
const K = SLICE[1] - SLICE[0];
const T = [0.2, 0.5, 0.9];
const logitsHost = randomArray(B * N * V, 3, -3, 3);
const targetsHost = Int32Array.from(randomArray(B * N, 5, SLICE[0], SLICE[1]), Math.floor);

function dispose(ts: Tensor[]): void {
  for (const t of ts) t.dispose();
}

async function read(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Host f64 reference: CE over the slice per token. */
function hostCE(): Float64Array {
  const ce = new Float64Array(B * N);
  for (let i = 0; i < B * N; i++) {
    const row = Array.from(logitsHost.subarray(i * V + SLICE[0], i * V + SLICE[1]));
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
    ce[i] = lse - logitsHost[i * V + targetsHost[i]];
  }
  return ce;
}

function setup(schedule: ScheduleName = 'cosine') {
  const logits = tensor(logitsHost, [B, N, V]);
  const targets = tensor(targetsHost, [B, N], { dtype: 'i32' });
  const c = maskTokens(targets, T, { maskId: V - 1, seed: 2, schedule });
  c.noisy.dispose();
  return { logits, targets, c, free: () => dispose([logits, targets, c.mask]) };
}

describe('losses', () => {
  it('maskedCrossEntropy = mean over masked tokens of the slice CE', async () => {
    const { logits, targets, c, free } = setup();
    const maskHost = await read(c.mask);
    const r = maskedCrossEntropy(logits, targets, c, { vocabSlice: SLICE });
    const ce = hostCE();
    const want = ce.map((v, i) => v * maskHost[i]);
    expectClose(await read(r.perToken), want, { atol: 1e-5, label: 'perToken' });
    const count = maskHost.reduce((a, v) => a + v, 0);
    expect(await r.total.item()).toBeCloseTo(want.reduce((a, v) => a + v, 0) / count, 5);
    expect(await r.parts.ce.item()).toBeCloseTo(await r.total.item(), 6);
    dispose([r.total, r.parts.ce, r.perToken]);
    free();
  });

  for (const schedule of ['cosine', 'log-linear'] as ScheduleName[]) {
    it(`score entropy (${schedule}): >= 0 everywhere, 0 at the exact score, and the RADD form equals w(t)·CE`, async () => {
      const { logits, targets, c, free } = setup(schedule);
      const sch = getSchedule(schedule);
      const maskHost = await read(c.mask);
      const rel = tensor(
        Int32Array.from(targetsHost, (v) => v - SLICE[0]),
        [B, N],
        { dtype: 'i32' },
      );
      // arbitrary (unnormalised) log-scores: non-negative per token, 0 at unmasked tokens
      const scores = tensor(randomArray(B * N * K, 8, -4, 2), [B, N, K]);
      const gen = scoreEntropy(scores, rel, c);
      const per = await read(gen.perToken);
      per.forEach((v, i) => {
        expect(v, `token ${i}`).toBeGreaterThanOrEqual(maskHost[i] ? -1e-5 : 0);
        if (!maskHost[i]) expect(v).toBe(0);
      });
      const sum =
        (await gen.parts.exp.item()) + (await gen.parts.linear.item()) + (await gen.parts.constant.item());
      expect(await gen.total.item()).toBeCloseTo(sum, 4);
      // the exact score of the data ratio: log r at x0, (practically) -inf elsewhere
      const exact = new Float32Array(B * N * K).fill(-1e4);
      for (let i = 0; i < B * N; i++)
        exact[i * K + targetsHost[i] - SLICE[0]] = Math.log(sch.ratio(T[Math.floor(i / N)]));
      const ex = tensor(exact, [B, N, K]);
      const zero = scoreEntropy(ex, rel, c);
      expectClose(await read(zero.perToken), new Array(B * N).fill(0), {
        atol: 2e-5,
        label: 'at the exact score',
      });
      // RADD: log softmax + log r → w(t)·CE, per token
      const radd = raddLogScores(logits, c, { vocabSlice: SLICE });
      const viaGeneral = scoreEntropy(radd, rel, c);
      const direct = raddScoreEntropy(logits, targets, c, { vocabSlice: SLICE });
      const ce = hostCE();
      const want = Array.from(ce, (v, i) => v * sch.weight(T[Math.floor(i / N)]) * maskHost[i]);
      expectClose(await read(direct.perToken), want, { atol: 1e-5, rtol: 1e-5, label: 'radd = w·CE' });
      expectClose(await read(viaGeneral.perToken), want, {
        atol: 1e-4,
        rtol: 1e-4,
        label: 'general form at RADD scores',
      });
      expect(await viaGeneral.total.item()).toBeCloseTo(await direct.total.item(), 4);
      for (const r of [gen, zero, viaGeneral, direct])
        dispose([r.total, r.perToken, ...Object.values(r.parts)]);
      dispose([rel, scores, ex, radd]);
      free();
    });
  }

  it('d3diffLoss = L_mask + alpha·L_score = CE·(1 + alpha·w(t)) per masked token; mask and score objectives', async () => {
    const { logits, targets, c, free } = setup();
    const maskHost = await read(c.mask);
    const sch = getSchedule('cosine');
    const ce = hostCE();
    const count = maskHost.reduce((a, v) => a + v, 0);
    const w = (i: number) => sch.weight(T[Math.floor(i / N)]);
    for (const alpha of [0.01, 0.5]) {
      const r = d3diffLoss(logits, targets, c, { vocabSlice: SLICE, alpha });
      const want = Array.from(ce, (v, i) => v * (1 + alpha * w(i)) * maskHost[i]);
      expectClose(await read(r.perToken), want, { atol: 1e-5, rtol: 1e-5, label: `alpha ${alpha}` });
      const lm = await r.parts.mask.item();
      const ls = await r.parts.score.item();
      expect(await r.total.item()).toBeCloseTo(lm + alpha * ls, 5);
      expect(await r.total.item()).toBeCloseTo(want.reduce((a, v) => a + v, 0) / count, 5);
      dispose([r.total, r.perToken, r.parts.mask, r.parts.score]);
    }
    const m = d3diffLoss(logits, targets, c, { vocabSlice: SLICE, objective: 'mask' });
    const s = d3diffLoss(logits, targets, c, { vocabSlice: SLICE, objective: 'score' });
    expect(await m.total.item()).toBeCloseTo(await m.parts.mask.item(), 6);
    expect(await s.total.item()).toBeCloseTo(await s.parts.score.item(), 6);
    const sc = raddScoreEntropy(logits, targets, c, { vocabSlice: SLICE });
    expect(await s.total.item()).toBeCloseTo(await sc.total.item(), 5);
    for (const r of [m, s, sc]) dispose([r.total, r.perToken, ...Object.values(r.parts)]);
    expect(() => d3diffLoss(logits, targets, c, { objective: 'both' as never })).toThrow(
      "objective must be 'd3diff', 'mask' or 'score', got 'both'",
    );
    expect(() => d3diffLoss(logits, targets, { mask: c.mask, t: [0.5] })).toThrow(
      'd3diffLoss: t has 1 values for 3 rows',
    );
    expect(() => d3diffLoss(logits, targets, c, { vocabSlice: [3, 20] })).toThrow(
      'd3diffLoss: vocabSlice [3, 20) is not a non-empty range inside [0, 11)',
    );
    free();
  });

  it('gradients: the loss reaches the logits only at masked tokens, and only in the slice', async () => {
    const { targets, c, free } = setup();
    const maskHost = await read(c.mask);
    const logits = tensor(logitsHost, [B, N, V], { requiresGrad: true });
    tidy(() => d3diffLoss(logits, targets, c, { vocabSlice: SLICE }).total.backward());
    const g = await read(logits.grad!);
    for (let i = 0; i < B * N; i++)
      for (let v = 0; v < V; v++) {
        const inSlice = v >= SLICE[0] && v < SLICE[1];
        if (!maskHost[i] || !inSlice) expect(g[i * V + v] === 0, `token ${i} column ${v}`).toBe(true);
      }
    expect(g.some((x) => x !== 0)).toBe(true);
    logits.grad!.dispose();
    logits.dispose();
    free();
  });

  it('gradient of the general score entropy matches finite differences (CPU reference)', async () => {
    setBackend('cpu');
    const targets = tensor(Int32Array.from([1, 4, 0, 2]), [2, 2], { dtype: 'i32' });
    const mask = tensor(Float32Array.from([1, 0, 1, 1]), [2, 2]);
    await gradcheck(
      (s) => scoreEntropy(s, targets, { mask, t: [0.3, 0.7] }, { schedule: 'log-linear' }).total,
      [{ shape: [2, 2, 5] }],
    );
    targets.dispose();
    mask.dispose();
    setBackend(DEVICE);
  });
});
