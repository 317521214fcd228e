import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import {
  checkLeaks,
  compareBackends,
  deviceHasF16,
  gradcheck,
  rand,
  randomArray,
  useBackend,
} from '../testing/index.js';
import { expand } from './movement.js';
import { manualSeed } from './random.js';
import { multinomial, topk } from './sampling.js';

checkLeaks();

/** Small integers: many ties. */
const ties = (n: number, seed: number) => Float32Array.from(randomArray(n, seed, 0, 4), Math.floor);

describe('topk: device = CPU reference (values and indices, exactly)', () => {
  const cases: [string, number[], number, number, (n: number) => Float32Array][] = [
    ['one element', [1, 1], 1, -1, (n) => randomArray(n, 1)],
    ['k = 5 of 70', [3, 70], 5, -1, (n) => randomArray(n, 2)],
    ['k = n', [5, 7], 7, -1, (n) => randomArray(n, 3)],
    ['k = 0', [3, 4], 0, -1, (n) => randomArray(n, 3)],
    ['no rows', [0, 5], 2, -1, (n) => randomArray(n, 3)],
    ['k = 64 of 129 with ties', [4, 129], 64, -1, (n) => ties(n, 4)],
    ['k = 64 of 10000', [2, 10000], 64, -1, (n) => randomArray(n, 5)],
    ['ties, k = 9 of 300', [6, 300], 9, 1, (n) => ties(n, 6)],
    ['axis 0 (non-last), ties', [50, 3, 2], 4, 0, (n) => ties(n, 7)],
    ['rank 1', [33], 33, 0, (n) => ties(n, 8)],
  ];
  for (const [name, shape, k, axis, make] of cases) {
    it(`${name}: [${shape}], k = ${k}, axis ${axis}`, async () => {
      const n = shape.reduce((p, d) => p * d, 1);
      const data = make(n);
      const { cpu } = await compareBackends(
        () => {
          const { values, indices } = topk(tensor(data, shape), k, axis);
          return [values, indices];
        },
        { atol: 0, rtol: 0 },
      );
      const ax = axis < 0 ? shape.length + axis : axis;
      expect(cpu[0].length).toBe((n / shape[ax]) * k);
      if (shape.length === 2 && ax === 1 && k > 0) {
        // Spot-check the reference itself on row 0: sorted descending, ties by lower index.
        const row = Array.from(data.slice(0, shape[1]), (v, j) => [v, j]);
        row.sort((p, q) => q[0] - p[0] || p[1] - q[1]);
        expect(Array.from(cpu[1]).slice(0, k)).toEqual(row.slice(0, k).map((r) => r[1]));
      }
    });
  }

  it('NaN sorts first, then +inf; -0 ties with +0 by index; i32 input', async () => {
    const x = [1, Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -3];
    const { device } = await compareBackends(
      () => {
        const a = topk(tensor(x, [1, 8]), 8);
        const b = topk(tensor([5, -7, 5, 2147483647, -2147483648], [5], { dtype: 'i32' }), 3);
        // (expectClose cannot compare infinities: the values are checked through the indices.)
        return [a.indices, b.values, b.indices];
      },
      { atol: 0, rtol: 0 },
    );
    expect(Array.from(device[0])).toEqual([1, 4, 0, 2, 3, 6, 7, 5]);
    expect(Array.from(device[1])).toEqual([2147483647, 5, 5]);
    expect(Array.from(device[2])).toEqual([3, 0, 2]);
  });

  it('f16 input (refused with a clear error where the adapter lacks shader-f16)', async () => {
    if (!deviceHasF16()) {
      expect(() => tensor([1], [1], { dtype: 'f16', backend: 'webgpu' })).toThrow(
        /needs the adapter feature shader-f16/,
      );
      return;
    }
    await compareBackends(
      () => {
        const x = tensor(ties(3 * 90, 12), [3, 90], { dtype: 'f16' });
        const { values, indices } = topk(x, 10);
        return [values, indices, multinomial(x, { seed: 4, fromLogits: true, temperature: 2 })];
      },
      { atol: 0, rtol: 0 },
    );
  });

  it('values carry gradients: GPU = CPU, gradcheck on CPU', async () => {
    await compareBackends(
      () => {
        const x = rand([4, 3, 20], 9, { requiresGrad: true });
        const { values } = topk(x, 5, 2);
        const { values: v0 } = topk(x, 2, 0);
        values.square().sum().add(v0.sum()).backward();
        const g = x.grad!;
        x.grad = null;
        return g;
      },
      { atol: 1e-6 },
    );
    await useBackend('cpu');
    await gradcheck((x) => topk(x, 3, 1).values, [{ shape: [2, 7] }]);
  });

  it('rejects k out of range and scalars', () => {
    const x = tensor([1, 2, 3]);
    expect(() => topk(x, 4)).toThrow(/topk: k = 4 is out of range for axis -1 of \[3\] \(size 3\)/);
    const s = tensor(1);
    expect(() => topk(s, 1)).toThrow(/topk: x is a scalar/);
    x.dispose();
    s.dispose();
  });
});

describe('multinomial', () => {
  it('WebGPU and CPU draw the same ids from logits, probabilities and tempered probabilities', async () => {
    await compareBackends(
      () => [
        multinomial(rand([64, 1000], 1, { lo: -4, hi: 4 }), { seed: 5, fromLogits: true, temperature: 0.7 }),
        multinomial(rand([50, 37], 2, { lo: 0, hi: 1 }), { seed: 6 }),
        multinomial(rand([50, 37], 3, { lo: 0, hi: 1 }), { seed: 7, temperature: 0.5 }),
        multinomial(rand([2, 3, 130], 4, { lo: -1, hi: 1 }), { seed: 8, offset: 9, fromLogits: true }),
      ],
      { atol: 0, rtol: 0 },
    );
  });

  it('frequencies match the probabilities (chi-square) and zero-probability categories never appear', async () => {
    const p = [0.1, 0.2, 0.05, 0.4, 0, 0.25];
    const N = 6000;
    const logits = [1.5, -0.5, 0.25, 2, -1];
    const T = 0.8;
    const z = logits.map((l) => Math.exp(l / T));
    const q = z.map((v) => v / z.reduce((a, b) => a + b));
    const { device } = await compareBackends(
      () => [
        // Unnormalised weights (x 3) are fine.
        multinomial(
          expand(
            tensor(
              p.map((v) => v * 3),
              [1, 6],
            ),
            [N, 6],
          ),
          { seed: 21 },
        ),
        multinomial(expand(tensor(logits, [1, 5]), [N, 5]), { seed: 22, fromLogits: true, temperature: T }),
      ],
      { atol: 0, rtol: 0 },
    );
    for (const [ids, probs] of [
      [device[0], p],
      [device[1], q],
    ] as const) {
      const count = new Array(probs.length).fill(0);
      for (const i of Array.from(ids)) count[i]++;
      let chi2 = 0;
      let df = -1;
      probs.forEach((pi, i) => {
        if (pi === 0) expect(count[i]).toBe(0);
        else {
          chi2 += (count[i] - N * pi) ** 2 / (N * pi);
          df++;
        }
      });
      // P(chi2 > 30) < 1e-5 for df <= 5.
      expect(df).toBeGreaterThanOrEqual(3);
      expect(chi2).toBeLessThan(30);
    }
  });

  it('picks the only positive weights across chunk boundaries; empty rows give -1; temperature 0 is argmax', async () => {
    const V = 10000;
    const w = new Float32Array(3 * V);
    w[5000] = 1;
    w[V - 1] = 3;
    w[V + 63] = 2; // row 1: a single category
    // row 2: all zero
    const { device } = await compareBackends(
      () => [
        multinomial(expand(tensor(w.slice(0, V), [1, V]), [100, V]), { seed: 1 }),
        multinomial(tensor(w, [3, V]), { seed: 2 }),
        multinomial(tensor([0.1, 5, 5, 0.2], [1, 4]), { temperature: 0, fromLogits: true }),
      ],
      { atol: 0, rtol: 0 },
    );
    const seen = new Set(Array.from(device[0]));
    expect([...seen].sort()).toEqual([5000, V - 1]);
    const share = Array.from(device[0]).filter((i) => i === V - 1).length / 100;
    expect(Math.abs(share - 0.75)).toBeLessThan(0.15);
    expect(Array.from(device[1]).slice(1)).toEqual([V + 63 - V, -1]);
    expect(Array.from(device[2])).toEqual([1]);
  });

  it('is reproducible from the global generator and rejects bad input', async () => {
    const draw = async () => {
      const x = rand([8, 20], 3, { lo: 0, hi: 1 });
      const ids = multinomial(x);
      const out = Array.from(await ids.data());
      x.dispose();
      ids.dispose();
      return out;
    };
    manualSeed(99);
    const a = await draw();
    const b = await draw();
    manualSeed(99);
    expect(await draw()).toEqual(a);
    expect(b).not.toEqual(a);
    const x = tensor([1, 2], [1, 2]);
    expect(() => multinomial(x, { temperature: -1 })).toThrow(/multinomial: temperature must be >= 0/);
    const e = tensor([], [2, 0]);
    expect(() => multinomial(e)).toThrow(/multinomial: \[2, 0\] has no categories/);
    x.dispose();
    e.dispose();
  });
});
