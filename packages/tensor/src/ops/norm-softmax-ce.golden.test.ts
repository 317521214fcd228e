// PyTorch golden values (tools/golden/norm_softmax_ce.py) for softmax, logSoftmax, layerNorm, rmsNorm,
// crossEntropy and embedding, forward and gradients, on both backends.
import { beforeAll, describe, it } from 'vitest';
import golden from '../fixtures/norm_softmax_ce.json';
import { tidy } from '../scope.js';
import { type Tensor, tensor } from '../tensor.js';
import { BACKENDS, checkLeaks, expectClose, useBackend } from '../testing/index.js';
import { embedding } from './embedding.js';
import { crossEntropy } from './loss.js';
import { logSoftmax, softmax } from './nn.js';
import { layerNorm, rmsNorm } from './norm.js';

checkLeaks();

const TOL = { atol: 2e-5, rtol: 1e-4 };
const leaf = (v: { shape: number[]; data: number[] }) => tensor(v.data, v.shape, { requiresGrad: true });
const i32 = (d: number[], shape = [d.length]) => tensor(d, shape, { dtype: 'i32' });

/** Runs fn in a scope, checks each returned tensor against the expected values. */
async function check(name: string, fn: () => Tensor[], expected: number[][]): Promise<void> {
  const out = tidy(fn);
  for (let k = 0; k < out.length; k++)
    expectClose(await out[k].data(), expected[k], { ...TOL, label: `${name} #${k}` });
  for (const t of out) t.dispose();
}

describe.each(BACKENDS)('PyTorch golden values on %s', (be) => {
  beforeAll(() => useBackend(be));

  it('softmax and logSoftmax (with a large logit), gradients', async () => {
    const c = golden.softmax;
    await check('softmax', () => {
      const x = leaf(c.x);
      const g = tensor(c.g, c.x.shape);
      const y = softmax(x);
      y.mul(g).sum().backward();
      const dy = x.grad!;
      x.grad = null;
      const z = logSoftmax(x);
      z.mul(g).sum().backward();
      return [y, dy, z, x.grad!];
    }, [c.softmax, c.dx_softmax, c.log_softmax, c.dx_log_softmax]);
  });

  it('layerNorm and rmsNorm with weight (and bias), gradients', async () => {
    const c = golden.layer_norm;
    await check('layerNorm', () => {
      const [x, w, b] = [
        leaf(c.x),
        tensor(c.weight, [6], { requiresGrad: true }),
        tensor(c.bias, [6], { requiresGrad: true }),
      ];
      const y = layerNorm(x, w, b, c.eps);
      y.mul(tensor(c.g, c.x.shape)).sum().backward();
      return [y, x.grad!, w.grad!, b.grad!];
    }, [c.y, c.dx, c.dweight, c.dbias]);
    const r = golden.rms_norm;
    await check('rmsNorm', () => {
      const [x, w] = [leaf(r.x), tensor(r.weight, [6], { requiresGrad: true })];
      const y = rmsNorm(x, w, r.eps);
      y.mul(tensor(r.g, r.x.shape)).sum().backward();
      return [y, x.grad!, w.grad!];
    }, [r.y, r.dx, r.dweight]);
  });

  it('crossEntropy: ignoreIndex, label smoothing, every reduction, vocabulary slice', async () => {
    const c = golden.cross_entropy;
    for (const k of c.cases) {
      const reduction = k.reduction as 'mean' | 'sum' | 'none';
      await check(`crossEntropy ${reduction} ${k.labelSmoothing}`, () => {
        const x = leaf(c.logits);
        const loss = crossEntropy(x, i32(c.targets), { reduction, labelSmoothing: k.labelSmoothing });
        (reduction === 'none' ? loss.mul(tensor(c.gw, [5])).sum() : loss).backward();
        return [loss, x.grad!];
      }, [k.loss, k.dlogits]);
    }
    const s = golden.cross_entropy_slice;
    await check('crossEntropy slice', () => {
      const x = leaf(s.logits);
      const loss = crossEntropy(x, i32(s.targets), {
        vocabSlice: s.vocabSlice as [number, number],
        labelSmoothing: s.labelSmoothing,
      });
      loss.backward();
      return [loss, x.grad!];
    }, [s.loss, s.dlogits]);
  });

  it('embedding with repeated ids, gradient', async () => {
    const c = golden.embedding;
    await check('embedding', () => {
      const w = leaf(c.weight);
      const y = embedding(w, i32(c.ids.data, c.ids.shape));
      y.mul(tensor(c.g, [2, 4, 3]))
        .sum()
        .backward();
      return [y, w.grad!];
    }, [c.y, c.dweight]);
  });
});
