import { tensor, tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose, useBackend } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { VectorQuantizerEMA } from './vq-ema.js';

checkLeaks();

/** Latents [1, D, 1, n] whose rows are `rows`. */
const latents = (rows: number[][]) => {
  const D = rows[0].length;
  return tidy(() =>
    tensor(rows.flat(), [1, rows.length, D]).permute([0, 2, 1]).contiguous().reshape([1, D, 1, rows.length]),
  );
};

function set(q: VectorQuantizerEMA, embed: number[][], sizes: number[], sums: number[][]) {
  const [a, b, c] = [
    tensor(embed.flat(), [sizes.length, embed[0].length]),
    tensor(sizes),
    tensor(sums.flat(), [sizes.length, sums[0].length]),
  ];
  q.embed.copy_(a);
  q.clusterSize.copy_(b);
  q.embedSum.copy_(c);
  for (const t of [a, b, c]) t.dispose();
}

describe('VQ-EMA', () => {
  it('one EMA step equals the hand-computed update', async () => {
    await useBackend(DEVICE);
    const q = new VectorQuantizerEMA({ dim: 2, codebookSize: 3, decay: 0.5, epsilon: 0 });
    set(
      q,
      [
        [9, 9],
        [9, 9],
        [9, 9],
      ],
      [2, 1, 0.5],
      [
        [2, 0],
        [0, 1],
        [1, 1],
      ],
    );
    const rows = tensor([1, 1, 3, 1, 0, 2], [3, 2]);
    const codes = tensor([0, 0, 1], [3], { dtype: 'i32' });
    q.emaUpdate(rows, codes);
    // counts [2, 1, 0], sums [[4, 2], [0, 2], [0, 0]]
    // N = 0.5 [2, 1, 0.5] + 0.5 [2, 1, 0] = [2, 1, 0.25]
    // m = 0.5 [[2, 0], [0, 1], [1, 1]] + 0.5 [[4, 2], [0, 2], [0, 0]] = [[3, 1], [0, 1.5], [0.5, 0.5]]
    // e = m / N (epsilon 0) = [[1.5, 0.5], [0, 1.5], [2, 2]]
    expectClose(await q.clusterSize.data(), [2, 1, 0.25], { atol: 1e-6 });
    expectClose(await q.embedSum.data(), [3, 1, 0, 1.5, 0.5, 0.5], { atol: 1e-6 });
    expectClose(await q.embed.data(), [1.5, 0.5, 0, 1.5, 2, 2], { atol: 1e-6 });
    // Laplace smoothing: N~ = (N + eps) / (n + K eps) * n with n = 3.25
    const s = new VectorQuantizerEMA({ dim: 2, codebookSize: 3, decay: 0.5, epsilon: 0.1 });
    set(
      s,
      [
        [9, 9],
        [9, 9],
        [9, 9],
      ],
      [2, 1, 0.5],
      [
        [2, 0],
        [0, 1],
        [1, 1],
      ],
    );
    s.emaUpdate(rows, codes);
    const sm = [2, 1, 0.25].map((N) => ((N + 0.1) / (3.25 + 0.3)) * 3.25);
    expectClose(await s.embed.data(), [3 / sm[0], 1 / sm[0], 0, 1.5 / sm[1], 0.5 / sm[2], 0.5 / sm[2]], {
      atol: 1e-5,
    });
    for (const t of [rows, codes]) t.dispose();
    q.dispose();
    s.dispose();
  });

  it('assigns the nearest code, returns zq == codesToLatents(codes) and the commitment loss', async () => {
    await useBackend(DEVICE);
    const q = new VectorQuantizerEMA({ dim: 2, codebookSize: 3, commitment: 0.25 }).eval();
    set(
      q,
      [
        [0, 0],
        [1, 1],
        [-2, 1],
      ],
      [1, 1, 1],
      [
        [0, 0],
        [1, 1],
        [-2, 1],
      ],
    );
    const z = latents([
      [0.9, 1.2],
      [-1.5, 0.5],
      [0.1, -0.2],
      [2, 2],
    ]);
    const r = q.quantize(z);
    expect(Array.from(await r.codes.data())).toEqual([1, 2, 0, 1]);
    const back = q.codesToLatents(r.codes);
    expect(Array.from(await back.data())).toEqual(Array.from(await r.zq.data()));
    const d2 = [0.01 + 0.04, 0.25 + 0.25, 0.01 + 0.04, 1 + 1];
    expectClose(await r.loss.data(), [(0.25 * d2.reduce((a, b) => a + b)) / 8], { atol: 1e-6 });
    for (const t of [z, r.codes, r.zq, r.loss, back, ...Object.values(r.stats)]) t.dispose();
    q.dispose();
  });

  it('k-means initialisation puts the codes on the clusters of the first batch', async () => {
    await useBackend(DEVICE);
    const q = new VectorQuantizerEMA({ dim: 2, codebookSize: 3 });
    const centres = [
      [5, 0],
      [0, 5],
      [-5, -5],
    ];
    const rows: number[][] = [];
    for (let i = 0; i < 30; i++) {
      const c = centres[i % 3];
      rows.push([c[0] + Math.sin(i) * 0.1, c[1] + Math.cos(i * 1.7) * 0.1]);
    }
    const z = latents(rows);
    await q.maintain(z);
    const e = Array.from(await q.embed.data());
    const found = [0, 1, 2].map((k) => [e[2 * k], e[2 * k + 1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const want = [...centres].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expectClose(found.flat(), want.flat(), { atol: 0.1 });
    expectClose(await q.clusterSize.data(), [10, 10, 10]);
    expect(Array.from(await q.progress.data())).toEqual([1, 1]);
    z.dispose();
    q.dispose();
  });

  it('dead-code restarts move unused codes onto batch latents and leave live ones alone', async () => {
    await useBackend(DEVICE);
    const q = new VectorQuantizerEMA({ dim: 2, codebookSize: 4, deadThreshold: 1 });
    const z = latents([
      [7, 7],
      [8, 8],
      [9, 9],
    ]);
    await q.maintain(z); // k-means init on the first batch
    set(
      q,
      [
        [0, 0],
        [50, 50],
        [1, 1],
        [60, 60],
      ],
      [5, 0.2, 3, 0.9],
      [
        [0, 0],
        [10, 10],
        [3, 3],
        [54, 54],
      ],
    );
    await q.maintain(z);
    expect(q.lastRestarts).toBe(2);
    const e = Array.from(await q.embed.data());
    expect(e.slice(0, 2)).toEqual([0, 0]);
    expect(e.slice(4, 6)).toEqual([1, 1]);
    const batch = ['7,7', '8,8', '9,9'];
    expect(batch).toContain(`${e[2]},${e[3]}`);
    expect(batch).toContain(`${e[6]},${e[7]}`);
    expect(Array.from(await q.clusterSize.data())).toEqual([5, 1, 3, 1]);
    const m = Array.from(await q.embedSum.data());
    expect([m[2], m[3]]).toEqual([e[2], e[3]]);
    z.dispose();
    q.dispose();
  });
});
