// 'attention' and 'attentionBackward' on the WASM backend: the fused flash-style kernels of
// kernels/wasm/attention.wat (online softmax over 32-key blocks, SIMD over keys for QKᵀ and over the
// head dim for P·V; the backward recomputes P from the saved logsumexp), threaded over the worker pool.
// f32 only; f16 runs the CPU reference on WASM memory (forward and backward together: their saved
// mask tensors differ).
//
// Contract (as the CPU reference, backend/cpu/attention.ts): inputs q [B, H, Sq, Dh], k, v
// [B, H, Sk, Dh] contiguous, then the mask (if attrs.mask) and key padding (if attrs.keyPadding);
// attrs scale, causal. Outputs out, lse [B, H, Sq] (natural log, +Infinity for a row with no visible
// key) and, when there is a mask or key padding, the packed bitmap u32 [Bm, Sq, ceil(Sk/32)]
// (bit j%32 of word j/32: may query i attend key j; causal is not in it, it comes from attrs) that
// the backward takes as its seventh input.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';

/** The exports of attention.wat, generated from its text. */
export type AttentionExports = WasmExports['attention'];

/** Calls that ran the WASM kernels (tests check the fused path really ran). */
export const attentionWasmCalls = { forward: 0, backward: 0 };

/** Below this many multiply-adds (B·H·Sq·Sk·Dh) one thread is faster than waking the workers. */
const PARALLEL_MIN_FLOPS = 64 * 64 * 64;

/** Key block (one mask word) and query block of the kernels. */
const KB = 32;
const QB = 4;
/** Bytes of the workspace's fixed part (tiles, row statistics; see the .wat header). */
const FIXED = 1120;

const up = (n: number, m: number) => Math.ceil(n / m) * m;

interface Geometry {
  B: number;
  H: number;
  Sq: number;
  Sk: number;
  D: number;
  Dp: number;
  Skp: number;
  Sq4: number;
}

function geometry(q: Tensor, k: Tensor): Geometry {
  const [B, H, Sq, D] = q.shape;
  const Sk = k.shape[2];
  return { B, H, Sq, Sk, D, Dp: up(D, 4), Skp: up(Sk, KB), Sq4: up(Sq, QB) };
}

/**
 * The bitmap [Bm, Sq, W] of an arbitrary mask (i32/u32 [Sq, Sk] or [1|B, Sq, Sk]) AND key padding
 * ([B, Sk]); Bm = B when either is per batch, else 1.
 */
function packMask(g: Geometry, mask: Tensor | null, kp: Tensor | null): Tensor {
  const perBatchMask = !!mask && mask.rank === 3 && mask.shape[0] !== 1;
  const Bm = perBatchMask || kp ? g.B : 1;
  const W = Math.ceil(g.Sk / 32);
  const bits = empty([Bm, g.Sq, W], 'u32', 'wasm');
  const o = bits.storage.handle as Uint32Array;
  const m = mask ? (mask.storage.handle as Int32Array | Uint32Array) : null;
  const p = kp ? (kp.storage.handle as Int32Array | Uint32Array) : null;
  const mB = perBatchMask ? g.Sq * g.Sk : 0;
  for (let b = 0; b < Bm; b++) {
    const pr = p ? kp!.offset + b * g.Sk : 0;
    for (let i = 0; i < g.Sq; i++) {
      const mr = m ? mask!.offset + b * mB + i * g.Sk : 0;
      const orow = (b * g.Sq + i) * W;
      for (let w = 0; w < W; w++) {
        const j0 = w * 32;
        const n = Math.min(32, g.Sk - j0);
        let word = 0;
        for (let c = 0; c < n; c++) {
          const j = j0 + c;
          if (m?.[mr + j] !== 0 && p?.[pr + j] !== 0) word |= 1 << c;
        }
        o[orow + w] = word;
      }
    }
  }
  return bits;
}

/** Parameter-block slots in order (i32 index = byte offset / 4), as in the .wat header. */
const SLOT_NAMES = [
  'q',
  'k',
  'v',
  'mb',
  'o',
  'lse',
  'BH',
  'H',
  'mbStride',
  'Sq',
  'Sk',
  'D',
  'Dp',
  'Skp',
  'causal',
  'scale',
  'W',
  'ws',
  'wsStride',
  'T',
  'dO',
  'dq',
  'dk',
  'dv',
  'kt',
  'vx',
  'kp',
  'qp',
  'dop',
  'dqa',
  'dvec',
  'dka',
  'dva',
  'oacc',
  'lsep',
  'Sq4',
  'split',
] as const;
type Slot = (typeof SLOT_NAMES)[number];
const SLOT = Object.fromEntries(SLOT_NAMES.map((n, i) => [n, i])) as Record<Slot, number>;
type Slots = Partial<Record<Slot, number>>;

type Entry = 'attention_forward' | 'attention_forward_rows' | 'attention_backward' | 'attention_backward_dq';

/** Workspace layout (byte offsets) for one thread; returns the offsets and the stride. */
function workspace(g: Geometry, fn: Entry, split: boolean): { off: Slots; stride: number } {
  const off: Slots = {};
  let at = FIXED;
  const take = (s: Slot, bytes: number) => {
    off[s] = at;
    at += up(bytes, 64);
  };
  if (fn === 'attention_forward_rows') {
    // one row's scores, its output accumulator
    take('kt', g.Skp * 4);
    take('oacc', g.Dp * 4);
    return { off, stride: up(at, 64) };
  }
  take('kt', g.D * g.Skp * 4);
  if (fn === 'attention_backward') {
    take('vx', g.D * g.Skp * 4);
    take('kp', g.Skp * g.Dp * 4);
    take('qp', g.Sq4 * g.Dp * 4);
    take('dop', g.Sq4 * g.Dp * 4);
    // split: the thread's partial dQ of every head
    take('dqa', (split ? g.B * g.H : 1) * g.Sq4 * g.Dp * 4);
    take('dvec', g.Sq4 * 4);
    take('lsep', g.Sq4 * 4);
    take('dka', KB * g.Dp * 4);
    take('dva', KB * g.Dp * 4);
  } else {
    take('vx', g.Skp * g.Dp * 4);
    take('oacc', QB * g.Dp * 4);
  }
  return { off, stride: up(at, 64) };
}

/**
 * Fill the parameter block, allocate the workspaces, run `fn` of attention.wat on T threads (the
 * caller's share included) and free the scratch.
 */
function launch(
  be: WasmBackend,
  fn: Entry,
  g: Geometry,
  a: Attrs,
  ptrs: Slots,
  bits: Tensor | null,
  parallel: boolean,
): void {
  const ex = be.kernels<AttentionExports>('attention');
  const T = parallel && be.pool ? be.pool.threads : 1;
  // a backward over B·H heads that do not share out evenly splits the key blocks instead
  const split = fn === 'attention_backward' && T > 1 && (g.B * g.H) % T !== 0;
  const { off, stride } = workspace(g, fn, split);
  const params = be.scratch(SLOT_NAMES.length * 4);
  const ws = be.scratch(stride * T);
  try {
    // views after the allocations (an unshared memory's growth detaches older ones)
    const P = new Int32Array(be.memory.buffer, params.ptr, SLOT_NAMES.length);
    const PF = new Float32Array(be.memory.buffer, params.ptr, SLOT_NAMES.length);
    P.fill(0);
    for (const [s, v] of Object.entries({ ...ptrs, ...off })) P[SLOT[s as Slot]] = v;
    const W = Math.ceil(g.Sk / 32);
    P[SLOT.mb] = bits ? be.addr(bits.storage, bits.offset) : 0;
    P[SLOT.mbStride] = bits && bits.shape[0] > 1 ? g.Sq * W * 4 : 0;
    P[SLOT.BH] = g.B * g.H;
    P[SLOT.H] = g.H;
    P[SLOT.Sq] = g.Sq;
    P[SLOT.Sk] = g.Sk;
    P[SLOT.D] = g.D;
    P[SLOT.Dp] = g.Dp;
    P[SLOT.Skp] = g.Skp;
    P[SLOT.Sq4] = g.Sq4;
    P[SLOT.causal] = a.causal ? 1 : 0;
    PF[SLOT.scale] = a.scale as number;
    P[SLOT.W] = W;
    P[SLOT.ws] = ws.ptr;
    P[SLOT.wsStride] = stride;
    P[SLOT.T] = T;
    P[SLOT.split] = split ? 1 : 0;
    const run = (f: Entry) => {
      if (T === 1) ex[f](params.ptr, 0);
      else
        be.pool!.run(
          `attention.${f}`,
          (t) => [params.ptr, t],
          (p) => ex[f](p[0], p[1]),
        );
    };
    run(fn);
    if (split) run('attention_backward_dq');
  } finally {
    be.freeScratch(ws);
    be.freeScratch(params);
  }
}

const flops = (g: Geometry) => g.B * g.H * g.Sq * g.Sk * g.D;

// inputs: q, k, v, [mask], [keyPadding]; outputs: out, lse, [bitmap].
registerKernel('attention', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [q, k, v] = inputs;
  if (q.dtype !== 'f32' || inputs.some((t) => !t.isContiguous())) {
    return runReference('attention', inputs, a);
  }
  const be = q.backend as WasmBackend;
  let at = 3;
  const mask = a.mask ? inputs[at++] : null;
  const kp = a.keyPadding ? inputs[at++] : null;
  const g = geometry(q, k);
  const out = empty(q.shape, 'f32', 'wasm');
  const lse = empty([g.B, g.H, g.Sq], 'f32', 'wasm');
  const bits = mask || kp ? packMask(g, mask, kp) : null;
  if (q.size === 0 || k.size === 0) {
    // no query, or nothing to attend over: zero output, no visible key
    (out.storage.handle as Float32Array).fill(0);
    (lse.storage.handle as Float32Array).fill(Infinity);
  } else {
    attentionWasmCalls.forward++;
    launch(
      be,
      // a few query rows (decoding): one row at a time, no 4-row blocks of duplicates, no Kᵀ
      g.Sq < QB ? 'attention_forward_rows' : 'attention_forward',
      g,
      a,
      {
        q: be.addr(q.storage, q.offset),
        k: be.addr(k.storage, k.offset),
        v: be.addr(v.storage, v.offset),
        o: be.addr(out.storage),
        lse: be.addr(lse.storage),
      },
      bits,
      flops(g) >= PARALLEL_MIN_FLOPS,
    );
  }
  return bits ? [out, lse, bits] : [out, lse];
});

// inputs: q, k, v, out, lse, dOut, [bitmap]; outputs: dq, dk, dv.
registerKernel('attentionBackward', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [q, k, v, o, lse, go, bits0] = inputs;
  if (q.dtype !== 'f32' || inputs.some((t) => !t.isContiguous())) {
    return runReference('attentionBackward', inputs, a);
  }
  const be = q.backend as WasmBackend;
  const g = geometry(q, k);
  const bits = a.mask || a.keyPadding ? bits0 : null;
  if (bits && (bits.dtype !== 'u32' || bits.rank !== 3 || bits.shape[2] !== Math.ceil(g.Sk / 32))) {
    throw new Error(
      `attentionBackward: the saved mask must be the wasm forward's bitmap [Bm, ${g.Sq}, ${Math.ceil(g.Sk / 32)}] u32, got ${bits.dtype} [${bits.shape.join(', ')}]`,
    );
  }
  if ((a.mask || a.keyPadding) && !bits)
    throw new Error('attentionBackward: the packed mask from the forward is missing');
  const dq = empty(q.shape, 'f32', 'wasm');
  const dk = empty(k.shape, 'f32', 'wasm');
  const dv = empty(v.shape, 'f32', 'wasm');
  if (q.size === 0 || k.size === 0) {
    for (const t of [dq, dk, dv]) (t.storage.handle as Float32Array).fill(0);
    return [dq, dk, dv];
  }
  attentionWasmCalls.backward++;
  launch(
    be,
    'attention_backward',
    g,
    a,
    {
      q: be.addr(q.storage, q.offset),
      k: be.addr(k.storage, k.offset),
      v: be.addr(v.storage, v.offset),
      o: be.addr(o.storage, o.offset),
      lse: be.addr(lse.storage, lse.offset),
      dO: be.addr(go.storage, go.offset),
      dq: be.addr(dq.storage),
      dk: be.addr(dk.storage),
      dv: be.addr(dv.storage),
    },
    bits,
    flops(g) >= PARALLEL_MIN_FLOPS,
  );
  return [dq, dk, dv];
});
