// Batched matmul: picks a register-block variant by layout and dispatches one workgroup per
// (8·rows)×64 output tile. Measurements behind the choice are in the comment on pickVariant.

import { MAX_WORKGROUPS_PER_DIM } from '../../backend/webgpu/wgsl.js';
import { kernel } from '../../dispatch.js';
import { matmulTuning } from '../../flags.js';
import { COLS, type MatmulVariant, matmulRegBlock, WG_XY } from '../../programs/matmul-regblock.js';
import { fmtShape } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { Matmul } from '../declarations.js';
import { gpuOf } from './elementwise-program.js';

const aligned4 = (...xs: number[]) => xs.every((x) => x % 4 === 0);

/** Smallest M·N·K for which A is repacked (one extra copy dispatch; below this it does not pay). */
export const PACK_MIN_WORK = 1 << 21;

/**
 * Chooses the variant from the operands' layout. Measured on lavapipe (2 shared vCPUs, f32, GFLOP/s,
 * variants interleaved in one process; the machine was loaded, so compare within a row only):
 *   512², row-major A:  8×8 scalar 1.9–2.5 | vecB 2.5–2.7 | vecA+vecB 1.6 | vecA 1.3 | vecB unroll4 1.05 |
 *                       16×8 vecB 1.8 | A repacked to Aᵀ + vecAT+vecB 3.4 (copy included)
 *   512², Aᵀ view:      8×8 scalar 1.5 | vecB 2.0 | vecAT+vecB 2.9 | 16×8 vecAT+vecB 2.3 | unroll2 1.55
 *   1024², row-major A: 8×8 scalar 0.95 | vecB 1.07 | repacked + vecAT+vecB 1.40
 *   512², Aᵀ view, a quieter minute: vecAT+vecB 8×8 8.3 | 8×16 (4 B vec4 per k) 7.3 | 4×16 6.1
 * So: vector loads along M (A) and N (B) — 4 vec4 loads per 64 FMAs — win; vector loads along K lose
 * (the 32 extra live A scalars spill), as do unrolling and 16-row blocks. A row-major A is copied into
 * Aᵀ layout first when the product is big enough.
 */
export function pickVariant(
  A: Tensor,
  B: Tensor,
  aBatch: number,
  bBatch: number,
  M: number,
  N: number,
): MatmulVariant {
  if (matmulTuning.force) return matmulTuning.force;
  const sAr = A.strides[A.rank - 2];
  const sAc = A.strides[A.rank - 1];
  const sBr = B.strides[B.rank - 2];
  const sBc = B.strides[B.rank - 1];
  const vecAT = (sAr === 1 || M === 1) && aligned4(M, A.offset, sAc, aBatch);
  const vecB = (sBc === 1 || N === 1) && aligned4(N, B.offset, sBr, bBatch);
  return { rows: 8, vecA: false, vecB, vecAT, unroll: 1 };
}

/** Should A be copied into Aᵀ layout (contiguous along M) so the vecAT variant applies? */
function shouldPack(A: Tensor, M: number, N: number, K: number, batch: number): boolean {
  if (M % 4 !== 0 || (A.strides[A.rank - 2] === 1 && M > 1)) return false;
  if (matmulTuning.pack !== null) return matmulTuning.pack;
  return N >= 16 && K >= 4 && M * N * K * batch >= PACK_MIN_WORK;
}

/** A copied so it is contiguous along M: returns the [batch, M, K] view (strides [MK, 1, M]) and its batch stride. */
function packA(
  A: Tensor,
  M: number,
  K: number,
  aBatch: number,
  batch: number,
): { packed: Tensor; aBatch: number } {
  const sAr = A.strides[A.rank - 2];
  const sAc = A.strides[A.rank - 1];
  const nb = aBatch === 0 ? 1 : batch;
  // [nb, K, M] view of A's elements, copied contiguous, then read back as [nb, M, K].
  const src = A.view([nb, K, M], [aBatch, sAc, sAr], A.offset);
  const t = src.isContiguous() ? src : kernel('copy', [src]); // src itself when A is already stored that way
  const packed = t.view([nb, M, K], [M * K, 1, M], t.offset);
  t.dispose();
  src.dispose();
  return { packed, aBatch: nb === 1 ? 0 : M * K };
}

Matmul.implement('webgpu', (inputs, a) => {
  const [A, B, bias] = inputs;
  const be = gpuOf(inputs, 'matmul');
  const M = A.shape[A.rank - 2];
  const K = A.shape[A.rank - 1];
  const N = B.shape[B.rank - 1];
  const batch = a.batch;
  const out = empty([batch, M, N], A.dtype, 'webgpu');
  if (batch * M * N === 0) return out;
  if (batch > MAX_WORKGROUPS_PER_DIM) {
    throw new RangeError(
      `matmul: batch ${batch} of ${fmtShape(A.shape)} @ ${fmtShape(B.shape)} exceeds ${MAX_WORKGROUPS_PER_DIM}`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== N || (N > 1 && bias.strides[0] !== 1))) {
    throw new RangeError(`matmul: bias must be a contiguous [${N}] vector, got ${fmtShape(bias.shape)}`);
  }
  let aBatch = a.aBatchStride;
  const bBatch = a.bBatchStride;
  let Ause = A;
  if (shouldPack(A, M, N, K, batch)) ({ packed: Ause, aBatch } = packA(A, M, K, aBatch, batch));
  const variant = pickVariant(Ause, B, aBatch, bBatch, M, N);
  const program = matmulRegBlock(A.dtype, !!bias, a.activation, variant);
  be.run(
    program,
    [Ause, B, ...(bias ? [bias] : []), out].map((t) => t.storage.handle as GPUBuffer),
    {
      M,
      N,
      K,
      sAr: M === 1 ? 1 : Ause.strides[Ause.rank - 2],
      sAc: Ause.strides[Ause.rank - 1],
      sBr: B.strides[B.rank - 2],
      sBc: N === 1 ? 1 : B.strides[B.rank - 1],
      aOff: Ause.offset,
      bOff: B.offset,
      aBatch,
      bBatch,
      biasOff: bias ? bias.offset : 0,
    },
    [
      Math.ceil(N / ((variant.vecB ? (variant.cols ?? COLS) : COLS) * WG_XY)),
      Math.ceil(M / (variant.rows * WG_XY)),
      batch,
    ],
  );
  if (Ause !== A) Ause.dispose();
  return out;
});
