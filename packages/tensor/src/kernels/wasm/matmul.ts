// 'matmul' on the WASM backend: f32 through the packed SIMD kernels of matmul.wat (threads split the
// B panels), other dtypes through the CPU reference. Same attrs as the CPU kernel: A [.., M, K] and
// B [.., K, N] as strided views, `batch` items at aBatchStride / bBatchStride, optional bias [N] and
// a fused activation.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { Matmul } from '../declarations.js';
import { UNARY_TS } from '../exprs.js';
import { getKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';

/** Below this many multiply-adds per batch item one thread is faster than waking the workers. */
const PARALLEL_MIN_FLOPS = 64 * 64 * 64;

/** The exports of matmul.wat, generated from its text. */
export type MatmulExports = WasmExports['matmul'];

/**
 * C (ldc elements per row, padded to whole panels) = A @ B on the WASM backend's memory.
 * a, b: byte addresses of element [0, 0]; strides in elements. Used by the kernel and by benchmarks.
 */
export function gemmInto(
  be: WasmBackend,
  a: { ptr: number; rs: number; cs: number },
  b: { ptr: number; rs: number; cs: number },
  M: number,
  K: number,
  N: number,
  c: number,
  ldc: number,
  scratch: { ap: number; bp: number },
  pack: { a: boolean; b: boolean } = { a: true, b: true },
): void {
  const mm = be.kernels<MatmulExports>('matmul');
  const mp = (M + 3) >> 2;
  const nq = (N + 7) >> 3;
  if (pack.a) mm.pack_a(a.ptr, a.rs, a.cs, M, K, scratch.ap);
  if (pack.b) mm.pack_b(b.ptr, b.rs, b.cs, K, N, scratch.bp);
  const T = be.pool && M * N * K >= PARALLEL_MIN_FLOPS ? Math.min(be.pool.threads, nq) : 1;
  if (T <= 1) {
    mm.gemm(scratch.ap, scratch.bp, c, ldc, mp, K, 0, nq);
    return;
  }
  const part = (t: number) => [
    scratch.ap,
    scratch.bp,
    c,
    ldc,
    mp,
    K,
    Math.floor((nq * t) / T),
    Math.floor((nq * (t + 1)) / T),
  ];
  be.pool!.run('matmul.gemm', part, (p) => mm.gemm(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]));
}

Matmul.implement('wasm', (inputs, at) => {
  const [A, B, bias] = inputs;
  if (A.dtype !== 'f32' || B.dtype !== 'f32' || (bias && bias.dtype !== 'f32')) {
    return runReference('matmul', inputs, at) as Tensor;
  }
  const be = A.backend as WasmBackend;
  const M = A.shape[A.rank - 2];
  const K = A.shape[A.rank - 1];
  const N = B.shape[B.rank - 1];
  const batch = at.batch;
  const aBS = at.aBatchStride;
  const bBS = at.bBatchStride;
  const out = empty([batch, M, N], 'f32', 'wasm');
  if (out.size === 0) return out;
  // (re-read the handle after any allocation: without shared memory a growth detaches old views)
  const handle = () => out.storage.handle as Float32Array;
  if (K === 0) handle().fill(0);
  else {
    const mp = (M + 3) >> 2;
    const nq = (N + 7) >> 3;
    const direct = M % 4 === 0 && N % 8 === 0;
    const ap = be.scratch(mp * 4 * K * 4);
    const bp = be.scratch(nq * 8 * K * 4);
    const cp = direct ? null : be.scratch(mp * 4 * nq * 8 * 4);
    try {
      const [sAr, sAc] = A.strides.slice(-2);
      const [sBr, sBc] = B.strides.slice(-2);
      const base = be.addr(out.storage);
      for (let z = 0; z < batch; z++) {
        const c = cp ? cp.ptr : base + z * M * N * 4;
        gemmInto(
          be,
          { ptr: be.addr(A.storage, A.offset + z * aBS), rs: sAr, cs: sAc },
          { ptr: be.addr(B.storage, B.offset + z * bBS), rs: sBr, cs: sBc },
          M,
          K,
          N,
          c,
          cp ? nq * 8 : N,
          { ap: ap.ptr, bp: bp.ptr },
          // a batch-broadcast operand (stride 0) is packed once
          { a: z === 0 || aBS !== 0, b: z === 0 || bBS !== 0 },
        );
        if (cp) {
          const padded = new Float32Array(be.memory.buffer as ArrayBuffer, cp.ptr, mp * 4 * nq * 8);
          const ldc = nq * 8;
          const o = handle();
          for (let i = 0; i < M; i++) o.set(padded.subarray(i * ldc, i * ldc + N), (z * M + i) * N);
        }
      }
    } finally {
      be.freeScratch(ap);
      be.freeScratch(bp);
      if (cp) be.freeScratch(cp);
    }
  }
  // the epilogue runs the WASM elementwise kernels (bias add, then the activation), as the CPU kernel does
  const act = at.activation;
  if (act && act !== 'none' && !UNARY_TS[act]) throw new Error(`matmul: unknown activation '${act}'`);
  let y = out;
  if (bias) {
    const t = getKernel('binary', 'wasm')([y, bias], { op: 'add' }) as Tensor;
    y.dispose();
    y = t;
  }
  if (act && act !== 'none') {
    const t = getKernel('unary', 'wasm')([y], { op: act }) as Tensor;
    y.dispose();
    y = t;
  }
  return y;
});
