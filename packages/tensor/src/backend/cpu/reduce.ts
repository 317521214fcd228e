import type { DType } from '../../dtype.js';
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty } from '../../tensor.js';
import { arr, finish } from './util.js';

registerKernel('reduce', 'cpu', ([x], a: Attrs) => {
  const op = a.op as string;
  const outer = a.outer as number;
  const n = a.n as number;
  const outDtype: DType = op.startsWith('arg') ? 'i32' : x.dtype;
  const out = empty([outer], outDtype, 'cpu');
  const o = arr(out);
  const src = arr(x);
  for (let r = 0; r < outer; r++) {
    const base = x.offset + r * n;
    if (op === 'sum') {
      let s = 0;
      for (let j = 0; j < n; j++) s += src[base + j];
      o[r] = s;
    } else {
      let best = src[base];
      let bi = 0;
      for (let j = 1; j < n; j++) {
        const v = src[base + j];
        const better = op === 'max' || op === 'argmax' ? v > best : v < best;
        if (better) {
          best = v;
          bi = j;
        }
      }
      o[r] = op.startsWith('arg') ? bi : best;
    }
  }
  return finish(out);
});
