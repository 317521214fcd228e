// 'matmul' on the WASM backend: f32 through the packed SIMD kernels of matmul.wat (threads split the
// B panels), other dtypes through the CPU reference. Same attrs as the CPU kernel: A [.., M, K] and
// B [.., K, N] as strided views, `batch` items at aBatchStride / bBatchStride, optional bias [N] and
// a fused activation.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { Matmul, type MatmulAttrs } from '../declarations.js';
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

/** Packed operands of a whole batch above this many bytes go item by item instead. */
const BATCH_SCRATCH_MAX = 64 << 20;

/**
 * A batched product as one threaded job: pack every item's A and B (a batch-broadcast operand once), then
 * run matmul.wat's gemm_grouped over all items, threads splitting the B panels. Item by item, each small
 * product paid a wake-up of the workers; on a loaded 2-core machine that cost 2-3x the arithmetic
 * ([4, 387, 256] @ [4, 256, 256]). Each element is computed by the same gemm as before (same bits).
 * Returns false (nothing done) when the packed batch would not fit BATCH_SCRATCH_MAX.
 */
function batchedInto(be: WasmBackend, A: Tensor, B: Tensor, out: Tensor, at: MatmulAttrs): boolean {
  const M = A.shape[A.rank - 2];
  const K = A.shape[A.rank - 1];
  const N = B.shape[B.rank - 1];
  const { batch, aBatchStride: aBS, bBatchStride: bBS } = at;
  const mp = (M + 3) >> 2;
  const nq = (N + 7) >> 3;
  const direct = M % 4 === 0 && N % 8 === 0;
  const ldc = direct ? N : nq * 8;
  const aItem = mp * 16 * K;
  const bItem = nq * 32 * K;
  const aBytes = (aBS === 0 ? 1 : batch) * aItem;
  const bBytes = (bBS === 0 ? 1 : batch) * bItem;
  const cItem = mp * 4 * ldc * 4;
  const cBytes = direct ? 0 : batch * cItem;
  if (aBytes + bBytes + cBytes > BATCH_SCRATCH_MAX) return false;
  const mm = be.kernels<MatmulExports>('matmul');
  const ap = be.scratch(aBytes);
  const bp = be.scratch(bBytes);
  const cp = direct ? null : be.scratch(cBytes);
  const desc = be.scratch(batch * 20);
  try {
    const [sAr, sAc] = A.strides.slice(-2);
    const [sBr, sBc] = B.strides.slice(-2);
    const base = be.addr(out.storage);
    const rows: number[] = [];
    for (let z = 0; z < batch; z++) {
      const pa = ap.ptr + (aBS === 0 ? 0 : z * aItem);
      const pb = bp.ptr + (bBS === 0 ? 0 : z * bItem);
      if (z === 0 || aBS !== 0) mm.pack_a(be.addr(A.storage, A.offset + z * aBS), sAr, sAc, M, K, pa);
      if (z === 0 || bBS !== 0) mm.pack_b(be.addr(B.storage, B.offset + z * bBS), sBr, sBc, K, N, pb);
      rows.push(pa, pb, cp ? cp.ptr + z * cItem : base + z * M * N * 4, mp, K);
    }
    new Int32Array(be.memory.buffer as ArrayBuffer, desc.ptr, batch * 5).set(rows);
    const T = batch * M * N * K >= PARALLEL_MIN_FLOPS ? Math.min(be.pool!.threads, nq) : 1;
    if (T <= 1) mm.gemm_grouped(desc.ptr, batch, ldc, 0, nq);
    else {
      const part = (t: number) => [
        desc.ptr,
        batch,
        ldc,
        Math.floor((nq * t) / T),
        Math.floor((nq * (t + 1)) / T),
      ];
      be.pool!.run('matmul.gemm_grouped', part, (p) => mm.gemm_grouped(p[0], p[1], p[2], p[3], p[4]));
    }
    if (cp) {
      const padded = new Float32Array(be.memory.buffer as ArrayBuffer, cp.ptr, (batch * cItem) / 4);
      const o = out.storage.handle as Float32Array;
      for (let z = 0; z < batch; z++)
        for (let i = 0; i < M; i++) {
          const from = z * (cItem / 4) + i * ldc;
          o.set(padded.subarray(from, from + N), (z * M + i) * N);
        }
    }
  } finally {
    for (const s of [ap, bp, desc]) be.freeScratch(s);
    if (cp) be.freeScratch(cp);
  }
  return true;
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
  // a batch: every item packed first, then one threaded job over all of them (batchedInto)
  else if (!(batch > 1 && be.pool && batchedInto(be, A, B, out, at))) {
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
