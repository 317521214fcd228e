// 'cumsum' on the CPU reference: an inclusive scan along one axis, each line summed in f64 and stored
// in the output's dtype (f16 rounded afterwards).
import { Cumsum, scanGeometry } from '../../kernels/declarations.js';
import { empty } from '../../tensor.js';
import { arr, finish } from './util.js';

Cumsum.implement('cpu', ([x], { axis, reverse }, spec) => {
  const out = empty(spec.shape, spec.dtype, 'cpu');
  const { outer, n, inner } = scanGeometry(x.shape, axis);
  const a = arr(x);
  const o = arr(out);
  const step = reverse ? -inner : inner;
  for (let p = 0; p < outer; p++) {
    for (let q = 0; q < inner; q++) {
      let at = p * n * inner + q + (reverse ? (n - 1) * inner : 0);
      let s = 0;
      for (let i = 0; i < n; i++, at += step) {
        s += a[x.offset + at];
        o[at] = s;
      }
    }
  }
  return finish(out);
});
