// AdamW step (Loshchilov & Hutter, decoupled weight decay), in place, written like torch.optim.AdamW's
// single-tensor path: p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
// p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps). Each step rounds to f32 like the tensors do.
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import type { Tensor } from '../../tensor.js';
import { arr } from './util.js';

const f = Math.fround;

/** inputs [param, grad, m, v] (contiguous, same size); attrs from ops/optim.ts adamwAttrs. */
registerKernel('adamw', 'cpu', (inputs: Tensor[], a: Attrs) => {
  const [p, g, m, v] = inputs;
  const P = arr(p);
  const G = arr(g);
  const M = arr(m);
  const V = arr(v);
  const [decay, b1, omb1, b2, omb2, stepSize, bc2s, eps] = (
    ['decay', 'b1', 'omb1', 'b2', 'omb2', 'stepSize', 'bc2s', 'eps'] as const
  ).map((k) => f(a[k] as number));
  for (let i = 0; i < p.size; i++) {
    const gi = G[g.offset + i];
    const mi = f(f(M[m.offset + i] * b1) + f(omb1 * gi));
    const vi = f(f(V[v.offset + i] * b2) + f(omb2 * f(gi * gi)));
    const denom = f(f(Math.sqrt(vi) / bc2s) + eps);
    const pd = f(P[p.offset + i] * decay);
    P[p.offset + i] = f(pd - f(stepSize * f(mi / denom)));
    M[m.offset + i] = mi;
    V[v.offset + i] = vi;
  }
  return inputs;
});
