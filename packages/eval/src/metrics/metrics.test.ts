import {
  faceSeed,
  makeCaption,
  makeQuestions,
  Rng,
  sampleAttributes,
  visibleAttributes,
} from '@unif2ace/data';
import { describe, expect, it } from 'vitest';
import { captionScores } from './captions.js';
import {
  frechetDistance,
  frechetFromFeatures,
  gaussianStats,
  meanPairwiseDistance,
  sqrtmSymmetric,
  symmetricEigen,
} from './frechet.js';
import { generationAccuracy } from './generation.js';
import { normalizeAnswer, questionGroup, vqaAccuracy } from './vqa.js';

const record = (i: number) => visibleAttributes(sampleAttributes(Rng.derive(faceSeed(9, i), 'attributes')));

describe('vqaAccuracy', () => {
  it('counts exact matches after normalisation, per kind and per group', () => {
    const s = vqaAccuracy([
      { kind: 'yes-no', attr: 'glasses', answer: 'yes', prediction: 'Yes.' },
      { kind: 'yes-no', attr: 'hat', answer: 'no', prediction: 'yes' },
      { kind: 'color', attr: 'hairColor', answer: 'brown', prediction: ' brown ' },
      { kind: 'count', attr: 'accessories', answer: '2', prediction: '3' },
      { kind: 'compare', attr: 'hairColor|background', answer: 'the hair', prediction: 'the  hair' },
    ]);
    expect(s.overall).toEqual({ correct: 3, total: 5, accuracy: 0.6 });
    expect(s.byKind['yes-no']).toEqual({ correct: 1, total: 2, accuracy: 0.5 });
    expect(s.byKind.count.accuracy).toBe(0);
    expect(s.byGroup.accessories).toEqual({ correct: 1, total: 3, accuracy: 1 / 3 });
    expect(s.byGroup.hair).toEqual({ correct: 1, total: 1, accuracy: 1 });
    expect(s.byGroup['hair+background']).toEqual({ correct: 1, total: 1, accuracy: 1 });
    expect(normalizeAnswer('  Light  Brown!')).toBe('light brown');
    expect(questionGroup('age|age')).toBe('age');
  });

  it('scores the reference answers of real questions as all right', () => {
    const items = [0, 1, 2, 3].flatMap((i) =>
      makeQuestions(record(i), Rng.derive(faceSeed(9, i), 'questions')).map((q) => ({
        ...q,
        answer: q.a,
        prediction: q.a,
      })),
    );
    const s = vqaAccuracy(items);
    expect(s.overall.accuracy).toBe(1);
    expect(s.overall.total).toBe(items.length);
    expect(() =>
      vqaAccuracy([{ kind: 'x', attr: 'hat', answer: 'no', prediction: 1 as unknown as string }]),
    ).toThrow(/items\[0\] needs string answer and prediction/);
  });
});

describe('captionScores', () => {
  it('precision and recall by hand on a short caption', () => {
    const rec = record(0);
    const visible = Object.values(rec).filter((v) => v !== null).length;
    // states glasses and hat: one right, one wrong
    const wrongHat = rec.hat === 'none' ? 'a cap' : 'no hat';
    const text = `The person wears ${rec.glasses === 'none' ? 'no glasses' : `${rec.glasses} glasses`} and ${wrongHat}.`;
    const s = captionScores([text], [rec]);
    expect(s.stated).toBe(2);
    expect(s.correct).toBe(1);
    expect(s.precision).toBe(0.5);
    expect(s.visible).toBe(visible);
    expect(s.recall).toBeCloseTo(1 / visible, 12);
    expect(s.byAttribute.hat).toEqual({ precision: 0, recall: 0, stated: 1, visible: 1 });
    const ex = captionScores([text], [rec], { exclude: ['hat'] });
    expect(ex.precision).toBe(1);
    expect(ex.visible).toBe(visible - 1);
  });

  it('reference captions are fully precise', () => {
    const recs = [0, 1, 2, 3, 4, 5].map(record);
    const caps = recs.map((r, i) => makeCaption(r, Rng.derive(faceSeed(9, i), 'caption')).text);
    const s = captionScores(caps, recs);
    expect(s.precision).toBe(1);
    expect(s.recall).toBeGreaterThan(0.4);
    expect(s.conflicts).toBe(0);
  });
});

describe('generationAccuracy', () => {
  it('compares stated attributes with what the probe saw, leaving excluded ones out by name', () => {
    const prompts = [{ hat: 'cap', glasses: 'none', eyeColor: null }, 'A person with no hat.'];
    const seen = [
      { hat: 'cap', glasses: 'round', eyeColor: 'blue' },
      { hat: 'none', glasses: 'none' },
    ];
    const s = generationAccuracy(prompts, seen);
    expect(s.overall).toEqual({ correct: 2, total: 3, accuracy: 2 / 3 });
    expect(s.allCorrect).toEqual({ correct: 1, total: 2, accuracy: 0.5 });
    expect(s.byAttribute.glasses.accuracy).toBe(0);
    expect(s.byGroup.accessories.total).toBe(3);
    const ex = generationAccuracy(prompts, seen, { exclude: ['glasses'] });
    expect(ex.overall.accuracy).toBe(1);
    expect(ex.excluded).toEqual(['glasses']);
    expect(ex.byAttribute.glasses).toBeUndefined();
  });
});

describe('Frechet distance', () => {
  const diag = (mean: number[], vars: number[]) => {
    const d = mean.length;
    const cov = new Float64Array(d * d);
    vars.forEach((v, i) => {
      cov[i * d + i] = v;
    });
    return { mean: Float64Array.from(mean), cov, n: 100, d };
  };

  it('matches the closed form for two diagonal Gaussians', () => {
    const a = diag([0, 1, 2], [1, 4, 9]);
    const b = diag([1, 1, 0], [4, 1, 0.25]);
    // |μ1 − μ2|² + Σ (σ1 − σ2)²  = (1 + 0 + 4) + ((1−2)² + (2−1)² + (3−0.5)²)
    expect(frechetDistance(a, b)).toBeCloseTo(5 + 1 + 1 + 6.25, 10);
    expect(frechetDistance(a, a)).toBeCloseTo(0, 10);
  });

  it('is unchanged when both Gaussians are rotated alike (non-diagonal covariances)', () => {
    const a = diag([0, 1, 2], [1, 4, 9]);
    const b = diag([1, 1, 0], [4, 1, 0.25]);
    // a rotation Q (Givens in two planes); Q Σ Qᵀ, Q μ
    const c1 = Math.cos(0.7);
    const s1 = Math.sin(0.7);
    const c2 = Math.cos(-1.1);
    const s2 = Math.sin(-1.1);
    const g1 = [c1, -s1, 0, s1, c1, 0, 0, 0, 1];
    const g2 = [1, 0, 0, 0, c2, -s2, 0, s2, c2];
    const mm = (x: number[], y: number[]) =>
      Array.from({ length: 9 }, (_, k) =>
        [0, 1, 2].reduce((s, j) => s + x[Math.floor(k / 3) * 3 + j] * y[j * 3 + (k % 3)], 0),
      );
    const q = mm(g1, g2);
    const qt = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => q[j * 3 + i]));
    const rot = (g: ReturnType<typeof diag>) => ({
      ...g,
      mean: Float64Array.from(
        [0, 1, 2].map((i) => [0, 1, 2].reduce((s, j) => s + q[i * 3 + j] * g.mean[j], 0)),
      ),
      cov: Float64Array.from(mm(mm(q, Array.from(g.cov)), qt)),
    });
    expect(frechetDistance(rot(a), rot(b))).toBeCloseTo(13.25, 9);
  });

  it('fits mean and unbiased covariance from features, and is 0 between a set and itself', () => {
    const f = { data: [1, 2, 3, 6, 5, 10], n: 3, d: 2 };
    const s = gaussianStats(f);
    expect(Array.from(s.mean)).toEqual([3, 6]);
    // deviations (−2,−4), (0,0), (2,4): Σ = [[8, 16], [16, 32]] / 2
    expect(Array.from(s.cov)).toEqual([4, 8, 8, 16]);
    expect(frechetFromFeatures(f, f)).toBeCloseTo(0, 6);
    expect(() => gaussianStats({ data: [1, 2], n: 1, d: 2 })).toThrow(/at least 2 rows/);
    expect(() => frechetFromFeatures(f, { data: [1, 2, 3], n: 3, d: 1 })).toThrow(/feature widths differ/);
  });

  it('eigen-decomposes and square-roots symmetric matrices', () => {
    const m = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2];
    const { values, vectors } = symmetricEigen(m, 3);
    // V diag(λ) Vᵀ = M
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += vectors[i * 3 + k] * values[k] * vectors[j * 3 + k];
        expect(s).toBeCloseTo(m[i * 3 + j], 12);
      }
    const r = sqrtmSymmetric(m, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += r[i * 3 + k] * r[k * 3 + j];
        expect(s).toBeCloseTo(m[i * 3 + j], 12);
      }
  });
});

describe('meanPairwiseDistance', () => {
  it('averages the distances of all pairs', () => {
    // (0,0), (3,4), (0,4): distances 5, 4, 3
    expect(meanPairwiseDistance({ data: [0, 0, 3, 4, 0, 4], n: 3, d: 2 })).toBeCloseTo(4, 12);
    expect(() => meanPairwiseDistance({ data: [1, 2], n: 1, d: 2 })).toThrow(/at least 2 rows/);
  });
});
