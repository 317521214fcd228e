// Same seed → same samples: on the backend under test and the CPU reference in this run, and against
// fixtures/sample-hashes.json, which every project (Node and Chromium, WASM and WebGPU) must reproduce.
// The denoiser is host-side and exact, so its logits are the same everywhere; every random choice is a
// host-side Philox draw in f64.
import { setBackend, type Tensor, tensor } from '@unif2ace/tensor';
import { checkLeaks, DEVICE } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import hashes from './fixtures/sample-hashes.json';
import { type Denoiser, maskgitSample, type SampleState, seddSample } from './index.js';
import { exactLogits, patternMixture } from './testing/mixture.js';

checkLeaks(DEVICE);

const K = 6;
const L = 5;
const MASK = 6;
const cond = patternMixture(
  [
    [0, 1, 2, 3, 4],
    [5, 5, 4, 3, 1],
  ],
  [0.6, 0.4],
  K,
  0.7,
);
const uncond = patternMixture([[2, 2, 2, 2, 2]], [1], K, 0.3);
const denoiser: Denoiser = async (tokens: Tensor, info) => {
  const host = (await tokens.data()) as Int32Array;
  return tensor(exactLogits(info.uncond ? uncond : cond, host, MASK), [tokens.shape[0], L, K], {
    backend: tokens.backend.name,
  });
};
const base = { batch: 32, length: L, codebookSize: K, maskId: MASK, seed: 1234 };

/** FNV-1a over the tokens, as 8 hex digits. */
function fnv(a: Int32Array): string {
  let h = 0x811c9dc5;
  for (const v of a) {
    h ^= v & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const runs: Record<string, () => Promise<Int32Array>> = {
  'maskgit confidence cfg 2 temperature 0.8': () =>
    maskgitSample(denoiser, { ...base, steps: 4, cfg: 2, temperature: 0.8 }),
  'maskgit random': () => maskgitSample(denoiser, { ...base, steps: L, order: 'random' }),
  'sedd 16 steps': () => seddSample(denoiser, { ...base, steps: 16 }),
  'sedd euler cosine cfg 1': () =>
    seddSample(denoiser, { ...base, steps: 16, method: 'euler', schedule: 'cosine', cfg: 1 }),
};

describe('determinism across backends', () => {
  for (const [name, run] of Object.entries(runs)) {
    it(`${name}: ${DEVICE} = cpu = fixture`, async () => {
      setBackend('cpu');
      const onCpu = await run();
      setBackend(DEVICE);
      const onDevice = await run();
      expect(Array.from(onDevice)).toEqual(Array.from(onCpu));
      expect(onDevice.every((v) => v >= 0 && v < K)).toBe(true);
      expect(fnv(onDevice)).toBe((hashes as Record<string, string>)[name]);
      // another seed gives other samples
      expect(
        fnv(
          await (name.startsWith('sedd')
            ? seddSample(denoiser, { ...base, seed: 1, steps: 16 })
            : maskgitSample(denoiser, { ...base, seed: 1 })),
        ),
      ).not.toBe(fnv(onDevice));
    });
  }
});

describe('onStep and the reveal schedule', () => {
  it('maskgit: one state per step, known tokens never change, the last state is the result', async () => {
    for (const order of ['random', 'confidence'] as const) {
      const states: SampleState[] = [];
      const out = await maskgitSample(denoiser, {
        ...base,
        steps: L,
        order,
        onStep: (s) => void states.push(s),
      });
      expect(states.map((s) => s.step)).toEqual([0, 1, 2, 3, 4]);
      expect(states[0].t).toBe(1);
      let prev: Int32Array = new Int32Array(out.length).fill(MASK);
      for (const s of states) {
        for (let b = 0; b < base.batch; b++) {
          const masked = (a: Int32Array) => a.slice(b * L, (b + 1) * L).filter((v) => v === MASK).length;
          // steps = length: exactly one token revealed per row per step
          expect(masked(s.tokens)).toBe(masked(prev) - 1);
        }
        for (let i = 0; i < out.length; i++) {
          if (prev[i] !== MASK) expect(s.tokens[i]).toBe(prev[i]);
          if (s.tokens[i] !== MASK) expect(s.predX0[i]).toBe(s.tokens[i]);
        }
        prev = s.tokens;
      }
      expect(Array.from(states[L - 1].tokens)).toEqual(Array.from(out));
    }
  });

  it('sedd: the number of masked tokens never rises and reaches 0', async () => {
    const counts: number[] = [];
    await seddSample(denoiser, {
      ...base,
      steps: 8,
      onStep: (s) => void counts.push(s.tokens.filter((v) => v === MASK).length),
    });
    expect(counts.length).toBe(8);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
    expect(counts[7]).toBe(0);
    expect(counts[0]).toBeGreaterThan(0);
  });

  it('bad denoisers and options are named', async () => {
    const wrong: Denoiser = (tokens) => tensor(new Float32Array(tokens.size * 3), [tokens.shape[0], L, 3]);
    await expect(maskgitSample(wrong, base)).rejects.toThrow(
      'maskgitSample: the denoiser returned [32, 5, 3], expected logits [32, 5, 6]',
    );
    const nan: Denoiser = (tokens) =>
      tensor(new Float32Array(tokens.size * K).fill(Number.NaN), [tokens.shape[0], L, K]);
    await expect(maskgitSample(nan, base)).rejects.toThrow(
      'maskgit: step 0, row 0, position 0: the logits have no finite maximum',
    );
    await expect(seddSample(nan, base)).rejects.toThrow(
      /^sedd-absorbing: step \d+, row \d+, position \d+: the logits/,
    );
    await expect(maskgitSample(denoiser, { ...base, maskId: 2 })).rejects.toThrow(
      'maskId 2 must be an integer outside the codes [0, 6)',
    );
    await expect(maskgitSample(denoiser, { ...base, temperature: 0 })).rejects.toThrow(
      'temperature must be a finite number > 0',
    );
    await expect(maskgitSample(denoiser, { ...base, order: 'best' as never })).rejects.toThrow(
      "order must be 'confidence' or 'random'",
    );
    await expect(seddSample(denoiser, { ...base, steps: 0 })).rejects.toThrow(
      'steps must be an integer >= 1, got 0',
    );
  });
});
