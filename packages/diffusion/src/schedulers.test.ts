// The common suite every scheduler passes (docs/architecture.md, adding a scheduler): setTimesteps, step invariants, determinism
// under a seed, addNoise, config. Host-only (schedulers work on host arrays), run in every project.
import { describe, expect, it } from 'vitest';
import { MaskGitScheduler, maskCount, Philox, type Scheduler, SeddAbsorbingScheduler } from './index.js';

const N = 8;
const K = 5;
const MASK = 5;
const B = 3;

const SCHEDULERS: [string, () => Scheduler][] = [
  ['maskgit confidence', () => new MaskGitScheduler({ length: N, codebookSize: K, maskId: MASK })],
  [
    'maskgit random',
    () => new MaskGitScheduler({ length: N, codebookSize: K, maskId: MASK, order: 'random' }),
  ],
  ['sedd analytic', () => new SeddAbsorbingScheduler({ length: N, codebookSize: K, maskId: MASK })],
  [
    'sedd euler cosine',
    () =>
      new SeddAbsorbingScheduler({
        length: N,
        codebookSize: K,
        maskId: MASK,
        method: 'euler',
        schedule: 'cosine',
      }),
  ],
];

function logitsFor(seed: number): Float64Array {
  const rng = new Philox(seed);
  return Float64Array.from({ length: B * N * K }, (_, i) => 4 * rng.uniform(i, 0, 0) - 2);
}

describe.each(SCHEDULERS)('%s', (_name, make) => {
  it('timesteps run from 1 down in equal steps; step() before setTimesteps is an error', () => {
    const s = make();
    expect(() => s.step(logitsFor(1), 0, new Int32Array(B * N).fill(MASK), { rng: new Philox(1) })).toThrow(
      'call setTimesteps(steps) before step()',
    );
    s.setTimesteps(4);
    expect(Array.from(s.timesteps)).toEqual([1, 0.75, 0.5, 0.25]);
    expect(() => s.setTimesteps(0)).toThrow('steps must be an integer >= 1, got 0');
  });

  it('a full loop: known tokens never change, masked ones only become codes, nothing masked at the end', () => {
    const s = make();
    s.setTimesteps(6);
    let x: Int32Array = new Int32Array(B * N).fill(MASK);
    const rng = new Philox(2);
    for (let i = 0; i < 6; i++) {
      const { prevSample, predX0 } = s.step(logitsFor(10 + i), i, x, { rng });
      expect(prevSample.length).toBe(B * N);
      for (let j = 0; j < x.length; j++) {
        if (x[j] !== MASK) expect(prevSample[j]).toBe(x[j]);
        else {
          expect(predX0[j] >= 0 && predX0[j] < K).toBe(true);
          if (prevSample[j] !== MASK) expect(prevSample[j]).toBe(predX0[j]);
        }
      }
      x = prevSample;
    }
    expect(x.every((v) => v >= 0 && v < K)).toBe(true);
  });

  it('the same seed gives the same step; predX0: false changes nothing in the sample', () => {
    const a = make();
    const b = make();
    a.setTimesteps(3);
    b.setTimesteps(3);
    const x = new Int32Array(B * N).fill(MASK);
    x[3] = 1;
    const l = logitsFor(4);
    const ra = a.step(l, 1, x, { rng: new Philox(9) });
    const rb = b.step(l, 1, x, { rng: new Philox(9) });
    expect(Array.from(ra.prevSample)).toEqual(Array.from(rb.prevSample));
    expect(Array.from(ra.predX0)).toEqual(Array.from(rb.predX0));
    const lazy = b.step(l, 1, x, { rng: new Philox(9), predX0: false });
    expect(Array.from(lazy.prevSample)).toEqual(Array.from(ra.prevSample));
    const other = a.step(l, 1, x, { rng: new Philox(10) });
    expect(Array.from(other.predX0)).not.toEqual(Array.from(ra.predX0));
  });

  it('addNoise masks ceil(m(t)·N) per row with maskId; toConfig is JSON with the class and options', () => {
    const s = make() as Scheduler & { schedule: { maskProb(t: number): number } };
    const x0 = Int32Array.from({ length: B * N }, (_, i) => i % K);
    const t = [0.1, 0.5, 1];
    const { noisy, mask, counts } = s.addNoise(x0, t, { seed: 3 });
    for (const [b, ti] of t.entries()) expect(counts[b]).toBe(maskCount(s.schedule.maskProb(ti), N));
    for (let i = 0; i < x0.length; i++) expect(noisy[i]).toBe(mask[i] ? MASK : x0[i]);
    const c = JSON.parse(JSON.stringify(s.toConfig()));
    expect(c).toMatchObject({ _class: s.name, _version: 1, length: N, codebookSize: K, maskId: MASK });
  });

  it('bad shapes are named', () => {
    const s = make();
    s.setTimesteps(2);
    expect(() => s.step(new Float64Array(3), 0, new Int32Array(B * N), { rng: new Philox(1) })).toThrow(
      `logits hold 3 values, expected ${B * N} tokens × ${K} codes`,
    );
    expect(() => s.step(logitsFor(1), 2, new Int32Array(B * N), { rng: new Philox(1) })).toThrow(
      'step index 2 is outside [0, 2)',
    );
  });
});

describe('reveal counts', () => {
  it('maskgit keeps floor(N·gamma) masked, at least one until the last step and one fewer each step', () => {
    const s = new MaskGitScheduler({ length: 64, codebookSize: K, maskId: MASK });
    s.setTimesteps(18);
    let unknown = 64;
    const kept: number[] = [];
    for (let i = 0; i < 18; i++) {
      unknown = s.keepMasked(i, unknown);
      kept.push(unknown);
    }
    expect(kept[0]).toBe(Math.floor(64 * Math.cos((Math.PI / 2) * (1 / 18))));
    expect(kept[16]).toBeGreaterThanOrEqual(1);
    expect(kept[17]).toBe(0);
    for (let i = 1; i < 18; i++) expect(kept[i]).toBeLessThan(kept[i - 1]);
  });

  it('sedd reveals with probability (m(t) - m(s)) / m(t), everything at the last step', () => {
    const s = new SeddAbsorbingScheduler({ length: N, codebookSize: K, maskId: MASK });
    s.setTimesteps(4);
    expect(s.revealProb(0)).toBeCloseTo(0.25, 12); // log-linear: m ∝ t
    expect(s.revealProb(2)).toBeCloseTo(0.5, 12);
    expect(s.revealProb(3)).toBe(1);
  });
});
