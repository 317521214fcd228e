import type { DType } from '../../dtype.js';
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty } from '../../tensor.js';
import { arr, finish } from './util.js';

registerKernel('reduce', 'cpu', ([x], a: Attrs) => {
  const op = a.op as string;
  const outer = a.outer as number;
  const n = a.n as number;
  const parts = (a.parts as number | undefined) ?? 1;
  const outDtype: DType = op.startsWith('arg') ? 'i32' : x.dtype;
  const out = empty([outer * parts], outDtype, 'cpu');
  const len = Math.ceil(n / parts);
  const o = arr(out);
  const src = arr(x);
  for (let w = 0; w < outer * parts; w++) {
    const r = Math.floor(w / parts);
    const lo = (w % parts) * len;
    const hi = Math.min(n, lo + len);
    const base = x.offset + r * n;
    if (op === 'sum') {
      let s = 0;
      for (let j = lo; j < hi; j++) s += src[base + j];
      o[w] = s;
    } else {
      let best = src[base + lo];
      let bi = lo;
      for (let j = lo + 1; j < hi; j++) {
        const v = src[base + j];
        const better = op === 'max' || op === 'argmax' ? v > best : v < best;
        if (better) {
          best = v;
          bi = j;
        }
      }
      o[w] = op.startsWith('arg') ? bi : best;
    }
  }
  return finish(out);
});
