// 'random', 'dropout' and 'multinomial' on the WASM backend through kernels/wasm/random.wat: Philox4x32-10
// in SIMD (four blocks per pass), bit-exact with the CPU reference (backend/cpu/random.ts) for every seed,
// offset and counter. bits, uniform, the dropout keep mask and dropout itself are computed in WASM
// (threads split the words); normal and Gumbel draw their words in WASM and map them with the reference's
// own `samples` (Math.log / cos / sin: WebAssembly has no transcendental instructions, and only the same
// functions give the same bits). multinomial weighs rows in WASM; from logits it needs exp, and
// random.wat's is fdlibm's (what Node 20's V8 ships as Math.exp): a probe checks it against this engine's
// Math.exp once, and where they differ (Chromium's differs) logits go to the CPU reference, so the ids
// stay identical. Other dtypes, and multinomial over probabilities with a temperature != 1 (x^invT),
// run the CPU reference on WASM memory.
import { samples } from '../../backend/cpu/random.js';
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { roundF16 } from '../../dtype.js';
import { engine } from '../../engine.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, type KernelFn, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';

/** The exports of random.wat, generated from its text. */
export type RandomExports = WasmExports['random'];

const MODE = { bits: 0, uniform: 1, keep: 2, dropout: 3 } as const;
/** Below this many words one thread is faster than waking the workers. */
const PARALLEL_MIN_WORDS = 1 << 16;
/** Per-thread scratch of `fill`: 256 Philox blocks. */
const WS_BYTES = 4096;

/** The kernels this file registers for 'wasm' (tests check the registry still holds them). */
export const RANDOM_WASM_KERNELS = new Map<string, KernelFn>();
function register(name: string, fn: KernelFn): void {
  RANDOM_WASM_KERNELS.set(name, fn);
  registerKernel(name, 'wasm', fn);
}

interface Prm {
  thr?: number;
  scale?: number;
  p0?: number;
  p1?: number;
  fromLogits?: boolean;
  invT?: number;
}

/** The 64-byte parameter block random.wat reads. */
function writePrm(be: WasmBackend, ptr: number, a: Attrs, p: Prm): void {
  const v = new DataView(be.memory.buffer as ArrayBuffer, ptr, 64);
  const key = a.key as number[];
  const ctr = a.ctr as number[];
  for (let i = 0; i < 4; i++) v.setUint32(4 * i, ctr[i] >>> 0, true);
  v.setUint32(16, key[0] >>> 0, true);
  v.setUint32(20, key[1] >>> 0, true);
  v.setFloat32(24, p.thr ?? 0, true);
  v.setFloat32(28, p.scale ?? 0, true);
  v.setFloat64(32, p.p0 ?? 0, true);
  v.setFloat64(40, p.p1 ?? 0, true);
  v.setInt32(48, p.fromLogits ? 1 : 0, true);
  v.setFloat64(56, p.invT ?? 1, true);
}

/** Words [0, n) of the stream through `mode` into dst (and src), threads splitting whole blocks. */
function fill(be: WasmBackend, mode: number, prm: number, dst: number, src: number, n: number): void {
  const k = be.kernels<RandomExports>('random');
  const blocks = Math.ceil(n / 4);
  const T = be.pool && n >= PARALLEL_MIN_WORDS ? Math.min(be.pool.threads, blocks) : 1;
  const ws = be.scratch(WS_BYTES * T);
  try {
    if (T <= 1) {
      k.fill(mode, prm, dst, src, 0, n, ws.ptr);
      return;
    }
    const part = (t: number) => {
      const w0 = Math.min(n, Math.floor((blocks * t) / T) * 4);
      const w1 = Math.min(n, Math.floor((blocks * (t + 1)) / T) * 4);
      return [mode, prm, dst, src, w0, w1, ws.ptr + t * WS_BYTES];
    };
    be.pool!.run('random.fill', part, (p) => k.fill(p[0], p[1], p[2], p[3], p[4], p[5], p[6]));
  } finally {
    be.freeScratch(ws);
  }
}

let expProbe: boolean | null = null;

/**
 * Whether random.wat's exp gives exactly this engine's Math.exp (checked once on 4096 arguments spread
 * over exp's range, multinomial's range (-40, 0] and tiny values).
 */
export function wasmExpMatchesEngine(be: WasmBackend): boolean {
  if (expProbe !== null) return expProbe;
  const { exp } = be.kernels<RandomExports>('random');
  let s = 0x9e3779b9;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  let ok = true;
  for (let i = 0; i < 4096 && ok; i++) {
    const r = next();
    const x = i % 3 === 0 ? (r - 0.5) * 1460 : i % 3 === 1 ? -40 * r : (r - 0.5) * 2 ** (-40 * next());
    ok = Object.is(exp(x), Math.exp(x));
  }
  expProbe = ok;
  return ok;
}

function roundF16InPlace(t: Tensor): void {
  const o = t.storage.handle as Float32Array;
  for (let i = 0; i < o.length; i++) o[i] = roundF16(o[i]);
}

/** attrs: dist ('bits'|'uniform'|'normal'|'gumbel'|'keep'), shape, dtype, key, ctr, p0, p1. */
register('random', (inputs: Tensor[], a: Attrs) => {
  const dist = a.dist as string;
  const dtype = a.dtype as string;
  const float = dtype === 'f32' || dtype === 'f16';
  const int = dtype === 'u32' || dtype === 'i32';
  const ok =
    ((dist === 'bits' || dist === 'keep') && int) ||
    ((dist === 'uniform' || dist === 'normal' || dist === 'gumbel') && float);
  if (!ok) return runReference('random', inputs, a);
  const be = engine.backend('wasm') as WasmBackend;
  const out = empty(a.shape as number[], dtype as 'f32', 'wasm');
  const n = out.size;
  if (n === 0) return out;
  const prm = be.scratch(64);
  try {
    writePrm(be, prm.ptr, a, { thr: Math.fround(a.p0 as number), p0: a.p0 as number, p1: a.p1 as number });
    const dst = be.addr(out.storage);
    if (dist === 'bits' || dist === 'keep' || dist === 'uniform') {
      fill(be, MODE[dist], prm.ptr, dst, 0, n);
    } else {
      // whole blocks of words (normal pairs read the second word of a block even when n is odd)
      const nw = Math.ceil(n / 4) * 4;
      const wb = be.scratch(nw * 4);
      try {
        fill(be, MODE.bits, prm.ptr, wb.ptr, 0, nw);
        const words = new Uint32Array(be.memory.buffer as ArrayBuffer, wb.ptr, nw);
        const s = samples(dist, words, n) as Float64Array;
        const o = out.storage.handle as Float32Array;
        const p0 = a.p0 as number;
        const p1 = a.p1 as number;
        for (let i = 0; i < n; i++) o[i] = s[i] * p0 + p1;
      } finally {
        be.freeScratch(wb);
      }
    }
  } finally {
    be.freeScratch(prm);
  }
  if (dtype === 'f16' && dist !== 'bits' && dist !== 'keep') roundF16InPlace(out);
  return out;
});

/** x * scale where uniform >= p, else 0 (x contiguous). attrs: p, scale, key, ctr. */
register('dropout', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  if ((x.dtype !== 'f32' && x.dtype !== 'f16') || !x.isContiguous())
    return runReference('dropout', inputs, a);
  const be = x.backend as WasmBackend;
  const out = empty(x.shape, x.dtype, 'wasm');
  if (out.size === 0) return out;
  const prm = be.scratch(64);
  try {
    writePrm(be, prm.ptr, a, { thr: Math.fround(a.p as number), scale: Math.fround(a.scale as number) });
    fill(be, MODE.dropout, prm.ptr, be.addr(out.storage), be.addr(x.storage, x.offset), out.size);
  } finally {
    be.freeScratch(prm);
  }
  if (x.dtype === 'f16') roundF16InPlace(out);
  return out;
});

/** One category per row of x [rows, n]; see the CPU reference. attrs: fromLogits, invT, key, ctr. */
register('multinomial', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  const invT = a.invT as number;
  const be = x.backend as WasmBackend;
  if (
    (x.dtype !== 'f32' && x.dtype !== 'f16') ||
    !x.isContiguous() ||
    (a.fromLogits ? !wasmExpMatchesEngine(be) : invT !== 1)
  )
    return runReference('multinomial', inputs, a);
  const n = x.shape[x.rank - 1];
  const rows = n === 0 ? 0 : x.size / n;
  const out = empty(x.shape.slice(0, -1), 'i32', 'wasm');
  if (out.size === 0) return out;
  if (rows === 0) {
    (out.storage.handle as Int32Array).fill(-1);
    return out;
  }
  const k = be.kernels<RandomExports>('random');
  const T = be.pool && rows * n >= PARALLEL_MIN_WORDS ? Math.min(be.pool.threads, rows) : 1;
  const prm = be.scratch(64);
  const words = be.scratch(Math.ceil(rows / 4) * 16);
  const wb = be.scratch(T * n * 8);
  try {
    writePrm(be, prm.ptr, a, { fromLogits: !!a.fromLogits, invT });
    fill(be, MODE.bits, prm.ptr, words.ptr, 0, rows);
    const xa = be.addr(x.storage, x.offset);
    const oa = be.addr(out.storage);
    const part = (t: number) => [
      prm.ptr,
      xa,
      n,
      Math.floor((rows * t) / T),
      Math.floor((rows * (t + 1)) / T),
      words.ptr,
      oa,
      wb.ptr + t * n * 8,
    ];
    const run = (p: number[]) => k.multinomial_rows(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    if (T <= 1) run(part(0));
    else be.pool!.run('random.multinomial_rows', part, run);
  } finally {
    be.freeScratch(wb);
    be.freeScratch(words);
    be.freeScratch(prm);
  }
  return out;
});
