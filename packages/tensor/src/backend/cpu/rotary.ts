// 'rotary' on the CPU reference: each row's first rotaryDim channels rotated pairwise (i, i + r/2) by the
// angle of the row's position, read from the cos/sin tables; the rest copied.
import { Rotary } from '../../kernels/declarations.js';
import { empty } from '../../tensor.js';
import { arr, finish } from './util.js';

Rotary.implement('cpu', ([x, cos, sin], { rotaryDim, offset, inverse }, spec) => {
  const out = empty(spec.shape, spec.dtype, 'cpu');
  const D = x.shape[x.rank - 1];
  const S = x.shape[x.rank - 2];
  const rows = D ? x.size / D : 0;
  const half = rotaryDim / 2;
  const a = arr(x);
  const c = arr(cos);
  const s = arr(sin);
  const o = arr(out);
  const sign = inverse ? -1 : 1;
  for (let r = 0; r < rows; r++) {
    const base = r * D;
    const t = (offset + (r % S)) * half;
    for (let i = 0; i < half; i++) {
      const x1 = a[x.offset + base + i];
      const x2 = a[x.offset + base + half + i];
      const cs = c[cos.offset + t + i];
      const sn = sign * s[sin.offset + t + i];
      o[base + i] = x1 * cs - x2 * sn;
      o[base + half + i] = x2 * cs + x1 * sn;
    }
    for (let j = rotaryDim; j < D; j++) o[base + j] = a[x.offset + base + j];
  }
  return finish(out);
});
