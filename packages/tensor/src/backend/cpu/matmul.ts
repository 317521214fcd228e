import { Matmul } from '../../kernels/declarations.js';
import { UNARY_TS } from '../../kernels/exprs.js';
import { empty } from '../../tensor.js';
import { arr, finish } from './util.js';

Matmul.implement('cpu', (inputs, at) => {
  const [A, B, bias] = inputs;
  const M = A.shape[A.rank - 2];
  const K = A.shape[A.rank - 1];
  const N = B.shape[B.rank - 1];
  const batch = at.batch;
  const out = empty([batch, M, N], A.dtype, 'cpu');
  const o = arr(out);
  const a = arr(A);
  const b = arr(B);
  const bs = bias ? arr(bias) : null;
  const [sAr, sAc] = A.strides.slice(-2);
  const [sBr, sBc] = B.strides.slice(-2);
  const act = at.activation;
  const f = act === 'none' ? null : UNARY_TS[act];
  for (let z = 0; z < batch; z++) {
    const ab = A.offset + z * at.aBatchStride;
    const bb = B.offset + z * at.bBatchStride;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ab + i * sAr + k * sAc] * b[bb + k * sBr + j * sBc];
        if (bs) s += bs[bias!.offset + j];
        o[(z * M + i) * N + j] = f ? f(s, 0, 0) : s;
      }
    }
  }
  return finish(out);
});
