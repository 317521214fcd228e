// Batched matmul: picks a program (one variant so far) and dispatches one workgroup per 64×64 tile.
import { fmtShape } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { MAX_WORKGROUPS_PER_DIM } from '../../backend/webgpu/wgsl.js';
import { matmulRegBlock, TILE, WG_XY } from '../../programs/matmul-regblock.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf } from './map.js';

registerKernel('matmul', 'webgpu', (inputs: Tensor[], a: Attrs) => {
  const [A, B, bias] = inputs;
  const be = gpuOf(inputs, 'matmul');
  const M = A.shape[A.rank - 2];
  const K = A.shape[A.rank - 1];
  const N = B.shape[B.rank - 1];
  const batch = a.batch as number;
  const out = empty([batch, M, N], A.dtype, 'webgpu');
  if (batch * M * N === 0) return out;
  if (batch > MAX_WORKGROUPS_PER_DIM) {
    throw new RangeError(`matmul: batch ${batch} of ${fmtShape(A.shape)} @ ${fmtShape(B.shape)} exceeds ${MAX_WORKGROUPS_PER_DIM}`);
  }
  const program = matmulRegBlock(A.dtype, !!bias, a.activation as string);
  const tile = TILE * WG_XY;
  be.run(
    program,
    [A, B, ...(bias ? [bias] : []), out].map((t) => t.storage.handle as GPUBuffer),
    {
      M,
      N,
      K,
      sAr: A.strides[A.rank - 2],
      sAc: A.strides[A.rank - 1],
      sBr: B.strides[B.rank - 2],
      sBc: B.strides[B.rank - 1],
      aOff: A.offset,
      bOff: B.offset,
      aBatch: a.aBatchStride as number,
      bBatch: a.bBatchStride as number,
    },
    [Math.ceil(N / tile), Math.ceil(M / tile), batch],
  );
  return out;
});
