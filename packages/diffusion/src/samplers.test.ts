// Sampler correctness without training: the exact denoiser of a known distribution (testing/mixture.ts).
//
// The bound: for a correct sampler, the empirical distribution of n = 10,000 samples over the 6^4 = 1296
// outcomes is at total variation E[TV] from the truth, computed exactly from binomial mean absolute
// deviations (≈ 0.071 here: most of it is the many rare outcomes). TV changes by at most 1/n when one
// sample changes, so by McDiarmid P(TV > E[TV] + ε) ≤ exp(-2nε²) = 3.4e-4 for ε = 0.02. The test
// asserts TV ≤ E[TV] + 0.02. The seeds are fixed, so the outcome is deterministic; negative controls
// (one-step MaskGIT, which samples positions independently, and the confidence order) show the bound
// has power.
import { tensor } from '@unif2ace/tensor';
import { checkLeaks, DEVICE } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { type Denoiser, maskgitSample, seddSample } from './index.js';
import {
  exactDenoiser,
  expectedSamplingTV,
  histogram,
  jointProbs,
  pairHistogram,
  pairProbs,
  patternMixture,
  totalVariation,
} from './testing/mixture.js';

const MIX = patternMixture(
  [
    [0, 1, 2, 3],
    [3, 3, 4, 5],
    [5, 4, 1, 0],
  ],
  [0.5, 0.3, 0.2],
  6,
  0.8,
);
const K = MIX.K;
const L = MIX.L;
const MASK = K;
const N_SAMPLES = 10_000;
const EPS = 0.02;
const P = jointProbs(MIX);
const BOUND = expectedSamplingTV(P, N_SAMPLES) + EPS;
const denoiser = exactDenoiser(MIX, MASK);
const base = { batch: N_SAMPLES, length: L, codebookSize: K, maskId: MASK, seed: 7 };
const tvOf = (s: Int32Array) => totalVariation(histogram(s, K, L), P);
/** Probability of the three clean patterns (the modes). */
const MODES = [
  [0, 1, 2, 3],
  [3, 3, 4, 5],
  [5, 4, 1, 0],
].map((x) => x.reduce((a, v) => a * K + v, 0));
const modeMass = (h: Float64Array) => MODES.reduce((a, i) => a + h[i], 0);

checkLeaks(DEVICE);

describe('samplers against the exact denoiser of a 3-pattern mixture (6 symbols, length 4)', () => {
  it('the bound is what the comment says', () => {
    expect(expectedSamplingTV(P, N_SAMPLES)).toBeCloseTo(0.071, 3);
    expect(Math.exp(-2 * N_SAMPLES * EPS * EPS)).toBeLessThan(4e-4);
  });

  it('maskgitSample, order random, steps = length: TV within the bound', async () => {
    const s = await maskgitSample(denoiser, { ...base, steps: L, order: 'random' });
    const tv = tvOf(s);
    console.log(`[${DEVICE}] maskgit random-order TV ${tv.toFixed(4)} (bound ${BOUND.toFixed(4)})`);
    expect(tv).toBeLessThan(BOUND);
  });

  it('seddSample (64 steps, log-linear, analytic): TV within the bound', async () => {
    const s = await seddSample(denoiser, { ...base, steps: 64 });
    const tv = tvOf(s);
    console.log(`[${DEVICE}] sedd 64-step TV ${tv.toFixed(4)} (bound ${BOUND.toFixed(4)})`);
    expect(tv).toBeLessThan(BOUND);
  });

  it('negative control: SEDD with 4 steps reveals correlated tokens together and fails the bound', async () => {
    const tv = tvOf(await seddSample(denoiser, { ...base, steps: 4 }));
    console.log(`[${DEVICE}] sedd 4-step TV ${tv.toFixed(4)}`);
    expect(tv).toBeGreaterThan(BOUND + 0.05);
  });

  it('negative control: one MaskGIT step samples positions independently and fails the bound', async () => {
    const tv = tvOf(await maskgitSample(denoiser, { ...base, steps: 1, order: 'random' }));
    expect(tv).toBeGreaterThan(0.5);
  });

  it("the confidence order's bias: toward the modes, far outside the bound", async () => {
    const truthModes = modeMass(P);
    const rows: string[] = [];
    for (const noise of [4.5, 0]) {
      const s = await maskgitSample(denoiser, { ...base, steps: L, order: 'confidence', noise });
      const h = histogram(s, K, L);
      const tv = totalVariation(h, P);
      rows.push(
        `noise ${noise}: TV ${tv.toFixed(3)}, mode mass ${modeMass(h).toFixed(3)} (true ${truthModes.toFixed(3)})`,
      );
      expect(tv).toBeGreaterThan(BOUND + 0.05);
      expect(modeMass(h)).toBeGreaterThan(truthModes + 0.05);
    }
    console.log(`[${DEVICE}] maskgit confidence order: ${rows.join('; ')}`);
  });
});

describe('classifier-free guidance (one position, 6 codes)', () => {
  const pc = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04];
  const pu = [0.1, 0.3, 0.2, 0.2, 0.1, 0.1];
  const calls: boolean[] = [];
  const guided: Denoiser = (tokens, info) => {
    calls.push(info.uncond);
    const p = info.uncond ? pu : pc;
    const B = tokens.shape[0];
    const v = new Float32Array(B * 6);
    for (let b = 0; b < B; b++) for (let k = 0; k < 6; k++) v[b * 6 + k] = Math.log(p[k]);
    return tensor(v, [B, 1, 6]);
  };
  const one = {
    batch: N_SAMPLES,
    length: 1,
    codebookSize: 6,
    maskId: 6,
    steps: 1,
    order: 'random' as const,
    seed: 3,
  };
  const tv6 = (s: Int32Array, q: number[]) => totalVariation(histogram(s, 6, 1), q);

  it('cfg = 0 is the conditional model, without an unconditional pass', async () => {
    calls.length = 0;
    const s = await maskgitSample(guided, { ...one, cfg: 0 });
    expect(calls).toEqual([false]);
    expect(tv6(s, pc)).toBeLessThan(expectedSamplingTV(pc, N_SAMPLES) + EPS);
    // seddSample too
    calls.length = 0;
    const s2 = await seddSample(guided, { ...one, steps: 4, cfg: 0 });
    expect(calls.every((u) => !u)).toBe(true);
    expect(tv6(s2, pc)).toBeLessThan(expectedSamplingTV(pc, N_SAMPLES) + EPS);
  });

  it('cfg = w samples softmax((1 + w) log pc - w log pu)', async () => {
    const w = 1.5;
    const q = pc.map((c, k) => c ** (1 + w) / pu[k] ** w);
    const z = q.reduce((a, b) => a + b);
    const target = q.map((v) => v / z);
    calls.length = 0;
    const s = await maskgitSample(guided, { ...one, cfg: w });
    expect(calls).toEqual([false, true]);
    expect(tv6(s, target)).toBeLessThan(expectedSamplingTV(target, N_SAMPLES) + EPS);
    expect(tv6(s, pc)).toBeGreaterThan(0.1); // guidance changed the distribution
  });
});

// Length 6 (46,656 outcomes: too many for a joint TV from 10K samples), checked on every pair of
// positions instead: each pair's 36-outcome joint is where revealing correlated tokens together shows.
// Per pair P(TV > E[TV] + 0.025) <= exp(-12.5); over the 15 pairs (union bound) <= 6e-5.
describe('length 6: every pair of positions', () => {
  const MIX6 = patternMixture(
    [
      [0, 1, 2, 3, 4, 5],
      [5, 5, 4, 4, 3, 3],
      [2, 0, 2, 0, 2, 0],
    ],
    [0.45, 0.35, 0.2],
    6,
    0.75,
  );
  const pairs: [number, number][] = [];
  for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) pairs.push([i, j]);
  const worstExcess = (s: Int32Array) =>
    Math.max(
      ...pairs.map(([i, j]) => {
        const p = pairProbs(MIX6, i, j);
        return totalVariation(pairHistogram(s, 6, 6, i, j), p) - expectedSamplingTV(p, N_SAMPLES);
      }),
    );
  const opts6 = { batch: N_SAMPLES, length: 6, codebookSize: 6, maskId: 6, seed: 11 };
  const den6 = exactDenoiser(MIX6, 6);

  it('maskgit random order (steps = 6) and sedd (64 steps) are within the bound; one step is not', async () => {
    const random = worstExcess(await maskgitSample(den6, { ...opts6, steps: 6, order: 'random' }));
    const sedd = worstExcess(await seddSample(den6, { ...opts6, steps: 64 }));
    const oneStep = worstExcess(await maskgitSample(den6, { ...opts6, steps: 1, order: 'random' }));
    console.log(
      `[${DEVICE}] length 6, worst pair TV - E[TV]: maskgit random ${random.toFixed(4)}, sedd ${sedd.toFixed(4)}, one step ${oneStep.toFixed(4)}`,
    );
    expect(random).toBeLessThan(0.025);
    expect(sedd).toBeLessThan(0.025);
    expect(oneStep).toBeGreaterThan(0.1);
  });
});
