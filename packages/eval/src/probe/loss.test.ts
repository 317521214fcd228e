// probeLoss against cross-entropies computed by hand on the host, unweighted and with per-head weights.
import { init, tensor } from '@unif2ace/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { headLayout } from './heads.js';
import { headWeights, probeLoss } from './loss.js';

beforeAll(async () => {
  await init({ backend: 'wasm' });
});

const layout = headLayout();
const H = layout.heads.length;
const B = 3;

function fixture() {
  // deterministic pseudo-random logits and one valid target column per (row, head)
  const logits = Float32Array.from({ length: B * layout.width }, (_, i) => Math.sin(i * 12.9898) * 3);
  const targets = new Int32Array(B * H);
  for (let b = 0; b < B; b++)
    layout.heads.forEach((h, i) => {
      targets[b * H + i] = h.offset + ((b * 7 + i * 3) % h.classes.length);
    });
  return { logits, targets };
}

/** Per head, the mean over rows of -log softmax(logits of the head's columns)[target], in f64. */
function handCE(logits: Float32Array, targets: Int32Array): number[] {
  return layout.heads.map((h, i) => {
    let sum = 0;
    for (let b = 0; b < B; b++) {
      const row = Array.from(
        logits.subarray(b * layout.width + h.offset, b * layout.width + h.offset + h.classes.length),
      );
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      sum += lse - logits[b * layout.width + targets[b * H + i]];
    }
    return sum / B;
  });
}

describe('probeLoss', () => {
  it('is the mean of the heads’ cross-entropies, and with weights their weighted mean', async () => {
    const { logits, targets } = fixture();
    const ce = handCE(logits, targets);
    const lt = tensor(logits, [B, layout.width]);
    const tt = tensor(targets, [B, H], { dtype: 'i32' });
    const plain = await probeLoss(lt, tt, layout).item();
    expect(plain).toBeCloseTo(ce.reduce((s, v) => s + v, 0) / H, 4);
    const w = headWeights(layout, { expression: 3, age: 2.5, eyebrows: 0.5 });
    expect(w[layout.heads.findIndex((h) => h.name === 'expression')]).toBe(3);
    expect(w.filter((v) => v === 1).length).toBe(H - 3);
    const want = ce.reduce((s, v, i) => s + w[i] * v, 0) / w.reduce((s, v) => s + v, 0);
    const weighted = await probeLoss(lt, tt, layout, w).item();
    expect(weighted).toBeCloseTo(want, 4);
    expect(Math.abs(weighted - plain)).toBeGreaterThan(1e-3); // the weights change the loss
    lt.dispose();
    tt.dispose();
  });

  it('names what is wrong with bad weights', () => {
    expect(() => headWeights(layout, { eyebrow: 2 })).toThrow(/"eyebrow" is not a probe head/);
    expect(() => headWeights(layout, { age: 0 })).toThrow(/weight of age must be a finite number > 0, got 0/);
    expect(() => headWeights(layout, { age: Number.NaN })).toThrow(/weight of age/);
    const { logits, targets } = fixture();
    expect(() =>
      probeLoss(tensor(logits, [B, layout.width]), tensor(targets, [B, H], { dtype: 'i32' }), layout, [1, 2]),
    ).toThrow(/2 weights for 29 heads/);
  });
});
