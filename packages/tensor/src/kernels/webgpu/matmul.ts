// Batched matmul: picks a register-block variant by layout and dispatches one workgroup per
// (8·rows)×64 output tile. Measurements behind the choice are in the comment on pickVariant.
import { fmtShape } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { MAX_WORKGROUPS_PER_DIM } from '../../backend/webgpu/wgsl.js';
import { COLS, type MatmulVariant, matmulRegBlock, WG_XY } from '../../programs/matmul-regblock.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf } from './map.js';

/** For benchmarks and tests: force a variant (null: choose by layout). */
export const matmulTuning: { force: MatmulVariant | null } = { force: null };

const aligned4 = (...xs: number[]) => xs.every((x) => x % 4 === 0);

/**
 * Vector loads need the operand contiguous along the loaded dimension and every base address
 * (offset, row stride, batch stride) a multiple of 4 elements.
 */
export function pickVariant(
  A: Tensor,
  B: Tensor,
  aBatch: number,
  bBatch: number,
  M: number,
  N: number,
  K: number,
): MatmulVariant {
  if (matmulTuning.force) return matmulTuning.force;
  const sAr = A.strides[A.rank - 2];
  const sAc = A.strides[A.rank - 1];
  const sBr = B.strides[B.rank - 2];
  const sBc = B.strides[B.rank - 1];
  const vecA = sAc === 1 && K >= 4 && aligned4(A.offset, sAr, aBatch);
  const vecB = sBc === 1 && aligned4(N, B.offset, sBr, bBatch) && N >= 4;
  void M;
  return { rows: 8, vecA, vecB, unroll: 1 };
}

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
  if (bias && (bias.rank !== 1 || bias.shape[0] !== N || (N > 1 && bias.strides[0] !== 1))) {
    throw new RangeError(`matmul: bias must be a contiguous [${N}] vector, got ${fmtShape(bias.shape)}`);
  }
  const aBatch = a.aBatchStride as number;
  const bBatch = a.bBatchStride as number;
  const variant = pickVariant(A, B, aBatch, bBatch, M, N, K);
  const program = matmulRegBlock(A.dtype, !!bias, a.activation as string, variant);
  be.run(
    program,
    [A, B, ...(bias ? [bias] : []), out].map((t) => t.storage.handle as GPUBuffer),
    {
      M,
      N,
      K,
      sAr: A.strides[A.rank - 2],
      sAc: K === 1 ? 1 : A.strides[A.rank - 1],
      sBr: B.strides[B.rank - 2],
      sBc: N === 1 ? 1 : B.strides[B.rank - 1],
      aOff: A.offset,
      bOff: B.offset,
      aBatch,
      bBatch,
      biasOff: bias ? bias.offset : 0,
    },
    [Math.ceil(N / (COLS * WG_XY)), Math.ceil(M / (variant.rows * WG_XY)), batch],
  );
  return out;
});
