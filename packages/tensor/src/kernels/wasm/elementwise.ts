// 'unary', 'binary', 'where', 'cast', 'copy', 'fill' and 'assign' on the WASM backend through
// kernels/wasm/elementwise.wat: one SIMD driver over strided views of rank <= 6 (after merging the
// dimensions that are contiguous in every operand), so broadcast and non-contiguous inputs run in WASM
// too. Contract: backend/cpu/elementwise.ts. f16 is stored widened: results are computed in f32 and
// rounded to f16 here (roundF16), as the reference's finish() does. The cases that still run the CPU
// reference: integer unary ops other than neg/abs/sign/clamp (clamp with fractional or out-of-range
// bounds), integer div/pow, integer binary ops with a fractional or out-of-range scalar, rank > 6 after
// merging, assign between different dtypes, into an overlapping or self-overlapping destination.
import type { WasmBackend } from '../../backend/wasm/backend.js';
import { type DType, roundF16 } from '../../dtype.js';
import { broadcastShapes, broadcastStrides, numel } from '../../shape.js';
import { empty, type Tensor } from '../../tensor.js';
import { COMPARE_OPS } from '../exprs.js';
import { type Attrs, registerKernel } from '../registry.js';
import { runReference } from './fallback.js';
import type { WasmExports } from './generated/index.js';

/** The exports of elementwise.wat, generated from its text. */
export type ElementwiseExports = WasmExports['elementwise'];

/** The $apply case numbers of elementwise.wat. */
const UNARY_F: Record<string, number> = {
  neg: 0,
  abs: 1,
  exp: 2,
  log: 3,
  sqrt: 4,
  rsqrt: 5,
  tanh: 6,
  sigmoid: 7,
  relu: 8,
  gelu: 9,
  gelu_grad: 10,
  silu: 11,
  silu_grad: 12,
  sin: 13,
  cos: 14,
  square: 15,
  recip: 16,
  sign: 17,
  floor: 18,
  clamp: 19,
  affine: 20,
  round: 67,
};
const I_NEG = 21;
const I_ABS = 22;
const I_SIGN = 23;
const U_SIGN = 24;
const I_CLAMP = 25;
const U_CLAMP = 26;
const BINARY_F: Record<string, number> = {
  add: 27,
  sub: 28,
  mul: 29,
  div: 30,
  pow: 31,
  maximum: 32,
  minimum: 33,
  eq: 34,
  ne: 35,
  lt: 36,
  le: 37,
  gt: 38,
  ge: 39,
};
const BINARY_I: Record<string, number> = {
  add: 40,
  sub: 41,
  mul: 42,
  maximum: 43,
  minimum: 44,
  eq: 45,
  ne: 46,
  lt: 47,
  le: 48,
  gt: 49,
  ge: 50,
};
const BINARY_U: Record<string, number> = {
  ...BINARY_I,
  maximum: 51,
  minimum: 52,
  lt: 53,
  le: 54,
  gt: 55,
  ge: 56,
};
const WHERE_F = 57;
const WHERE_I = 58;
const COPY = 59;
const CAST_F_TO_I = 60;
const CAST_I_TO_F = 61;
const CAST_U_TO_F = 62;
const DIV_BY_F64 = 63;
const DIV_INTO_F64 = 64;
const POW_BY_F64 = 65;
const POW_INTO_F64 = 66;

/** Ops worth threads from this many elements on (transcendental ones earlier). */
const PAR_MIN = 1 << 18;
const PAR_MIN_COSTLY = 1 << 15;
const COSTLY = new Set([
  ...[
    'exp',
    'log',
    'rsqrt',
    'tanh',
    'sigmoid',
    'gelu',
    'gelu_grad',
    'silu',
    'silu_grad',
    'sin',
    'cos',
    'affine',
  ].map((op) => UNARY_F[op]),
  BINARY_F.pow,
  DIV_BY_F64,
  DIV_INTO_F64,
  POW_BY_F64,
  POW_INTO_F64,
]);

const RANK = 6;
const DESC = 256;
/** Work area per thread (see the .wat): header 256 bytes + 4 block buffers of 1024 elements. */
const WORK = 256 + 4 * 4096;

/** How many kernel calls ran in WASM and how many went to the CPU reference (tests read this). */
export const elementwiseStats = { wasm: 0, reference: 0 };

function reference(name: string, inputs: Tensor[], a: Attrs): Tensor | Tensor[] {
  elementwiseStats.reference++;
  return runReference(name, inputs, a);
}

const isFloat = (d: DType) => d === 'f32' || d === 'f16';

/** An operand: its byte address (element 0 of the view) and its strides over the output shape. */
interface Operand {
  ptr: number;
  strides: number[];
}

/** A scalar operand lives in the descriptor (address filled in by launch). */
const SCALAR = -1;

interface Job {
  op: number;
  shape: number[];
  out: Operand;
  inputs: Operand[];
  p0?: number;
  p1?: number;
  /** Bits of the scalar operand (written as i32). */
  scalarBits?: number;
  ilo?: number;
  ihi?: number;
}

/**
 * Drop size-1 dimensions and merge neighbours that are contiguous in every operand; null when more
 * than RANK dimensions remain.
 */
function coalesce(shape: number[], operands: Operand[]): { shape: number[]; strides: number[][] } | null {
  const dims: number[] = [];
  const st: number[][] = operands.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && operands.every((o, k) => st[k][last] === o.strides[d] * shape[d])) {
      dims[last] *= shape[d];
      for (let k = 0; k < operands.length; k++) st[k][last] = operands[k].strides[d];
    } else {
      dims.push(shape[d]);
      for (let k = 0; k < operands.length; k++) st[k].push(operands[k].strides[d]);
    }
  }
  if (dims.length > RANK) return null;
  while (dims.length < RANK) {
    dims.unshift(1);
    for (const s of st) s.unshift(0);
  }
  return { shape: dims, strides: st };
}

/**
 * A copy that is a (batched) 2-D transpose: output [nb, R, C] contiguous, input strides [bs, 1, ld]
 * (after merging). Those go to the `transpose` export (4x4 register transposes) instead of the driver.
 */
function transposeOf(c: { shape: number[]; strides: number[][] }, job: Job) {
  if (job.op !== COPY || job.inputs.length !== 1 || job.inputs[0].ptr === SCALAR) return null;
  const dims = c.shape.map((_, d) => d).filter((d) => c.shape[d] > 1);
  if (dims.length < 2 || dims.length > 3) return null;
  const [o, x] = c.strides;
  const rd = dims[dims.length - 2];
  const cd = dims[dims.length - 1];
  const R = c.shape[rd];
  const C = c.shape[cd];
  if (R < 4 || C < 4 || o[cd] !== 1 || o[rd] !== C || x[rd] !== 1 || x[cd] < 1) return null;
  if (dims.length === 2) return { nb: 1, R, C, ld: x[cd], bs: 0 };
  if (o[dims[0]] !== R * C) return null;
  return { nb: c.shape[dims[0]], R, C, ld: x[cd], bs: x[dims[0]] };
}

/** Run a job over all its elements (threads for big ones); false when it must be redone by the reference. */
function launch(be: WasmBackend, job: Job): boolean {
  const n = numel(job.shape);
  if (n === 0) return true;
  const c = coalesce(job.shape, [job.out, ...job.inputs]);
  if (!c) return false;
  const pool = be.pool;
  const threads = pool && n >= (COSTLY.has(job.op) ? PAR_MIN_COSTLY : PAR_MIN) ? pool.threads : 1;
  const ex = be.kernels<ElementwiseExports>('elementwise');
  const tr = transposeOf(c, job);
  if (tr) {
    const { nb, R, C, ld, bs } = tr;
    const [src, dst] = [job.inputs[0].ptr, job.out.ptr];
    if (threads === 1) ex.transpose(src, dst, nb, R, C, ld, bs, 0, R);
    else {
      const rows = Math.ceil(R / threads / 4) * 4;
      pool!.run(
        'elementwise.transpose',
        (t) => [src, dst, nb, R, C, ld, bs, Math.min(R, t * rows), Math.min(R, (t + 1) * rows)],
        (a) => ex.transpose(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]),
      );
    }
    return true;
  }
  const block = be.scratch(DESC + WORK * threads);
  try {
    const desc = block.ptr;
    const buf = be.memory.buffer;
    const i32 = new Int32Array(buf, desc, DESC / 4);
    const f64 = new Float64Array(buf, desc, DESC / 8);
    const all = [job.out, ...job.inputs];
    i32[0] = job.op;
    i32[1] = job.inputs.length;
    i32[2] = c.strides.every((s) => s[RANK - 1] === 1) ? 1 : 0;
    i32.set(c.shape, 4);
    for (let k = 0; k < all.length; k++) {
      i32[10 + k] = all[k].ptr === SCALAR ? desc + 176 : all[k].ptr;
      i32.set(c.strides[k], 14 + 6 * k);
    }
    f64[20] = job.p0 ?? 0;
    f64[21] = job.p1 ?? 0;
    i32[44] = job.scalarBits ?? 0;
    i32[46] = job.ilo ?? 0;
    i32[47] = job.ihi ?? 0;
    const work = (t: number) => desc + DESC + WORK * t;
    if (threads === 1) return ex.ew(desc, work(0), 0, n) === 0;
    // split on 16-element boundaries (whole cache lines of the output)
    const chunk = Math.ceil(n / threads / 16) * 16;
    const range = (t: number) => [Math.min(n, t * chunk), Math.min(n, (t + 1) * chunk)];
    pool!.run(
      'elementwise.ew',
      (t) => [desc, work(t), ...range(t)],
      (a) => ex.ew(a[0], a[1], a[2], a[3]),
    );
    const status = new Int32Array(be.memory.buffer, desc + DESC, (WORK * threads) / 4);
    for (let t = 0; t < threads; t++) if (status[(WORK * t + 64) / 4]) return false;
    return true;
  } finally {
    be.freeScratch(block);
  }
}

const operand = (be: WasmBackend, t: Tensor, shape: number[]): Operand => ({
  ptr: be.addr(t.storage, t.offset),
  strides: broadcastStrides(t.shape, t.strides, shape),
});
const scalarOperand = (shape: number[]): Operand => ({ ptr: SCALAR, strides: shape.map(() => 0) });

/** The i32 bits a store of v into a `dtype` array keeps (f16: the rounded f32). */
function bitsOf(v: number, dtype: DType): number {
  if (dtype === 'i32' || dtype === 'u32') return new Int32Array([v])[0];
  const f = new Float32Array([dtype === 'f16' ? roundF16(v) : v]);
  return new Int32Array(f.buffer)[0];
}

function roundOutput(t: Tensor): Tensor {
  if (t.dtype === 'f16') {
    const a = t.storage.handle as Float32Array;
    for (let i = 0; i < a.length; i++) a[i] = roundF16(a[i]);
  }
  return t;
}

/** Allocate the output, run, round f16; the reference when the job cannot run here. */
function run(
  name: string,
  inputs: Tensor[],
  a: Attrs,
  shape: number[],
  dtype: DType,
  make: () => Job | null,
  round = dtype === 'f16',
): Tensor | Tensor[] {
  const out = empty(shape, dtype, 'wasm');
  const be = out.backend as WasmBackend;
  const job = make();
  if (job) {
    job.out = { ptr: be.addr(out.storage, 0), strides: out.strides };
    if (launch(be, job)) {
      elementwiseStats.wasm++;
      return round ? roundOutput(out) : out;
    }
  }
  out.dispose();
  return reference(name, inputs, a);
}

/** Largest f32 <= v and smallest f32 >= v. */
function f32Bounds(v: number): [number, number] {
  const f = Math.fround(v);
  if (f === v || Number.isNaN(v)) return [f, f];
  const b = new Float32Array([f]);
  const u = new Int32Array(b.buffer);
  // step one ulp toward v (f and v have the same sign unless f is 0)
  const towardV = v > f;
  if (f === 0) b[0] = towardV ? 1.4e-45 : -1.4e-45;
  else u[0] += (towardV ? f > 0 : f < 0) ? 1 : -1;
  return towardV ? [f, b[0]] : [b[0], f];
}

/** x op s (f32) with s not an f32: the comparison against the f32 neighbour that gives the same answer. */
function compareScalar(op: string, s: number): { op: string; s: number } {
  const [lo, hi] = f32Bounds(s);
  if (lo === hi) return { op, s: lo };
  if (op === 'eq' || op === 'ne') return { op, s: Number.NaN };
  return { op, s: op === 'lt' || op === 'ge' ? hi : lo };
}

registerKernel('unary', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  const op = a.op as string;
  const p0 = (a.p0 as number) ?? 0;
  const p1 = (a.p1 as number) ?? 0;
  let code: number | undefined;
  let ilo = 0;
  let ihi = 0;
  if (isFloat(x.dtype)) code = UNARY_F[op];
  else {
    const signed = x.dtype === 'i32';
    const [min, max] = signed ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
    if (op === 'neg') code = I_NEG;
    else if (op === 'abs') code = signed ? I_ABS : COPY;
    else if (op === 'sign') code = signed ? I_SIGN : U_SIGN;
    else if (op === 'clamp' && [p0, p1].every((v) => Number.isInteger(v) && v >= min && v <= max)) {
      code = signed ? I_CLAMP : U_CLAMP;
      ilo = p0 | 0;
      ihi = p1 | 0;
    }
  }
  if (code === undefined) return reference('unary', inputs, a);
  const be = x.backend as WasmBackend;
  return run('unary', inputs, a, x.shape, x.dtype, () => ({
    op: code,
    shape: x.shape,
    out: { ptr: 0, strides: [] },
    inputs: [operand(be, x, x.shape)],
    p0,
    p1,
    ilo,
    ihi,
  }));
});

registerKernel('binary', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x, y] = inputs;
  let op = a.op as string;
  const be = x.backend as WasmBackend;
  const dtype = x.dtype;
  const outDtype: DType = COMPARE_OPS.has(op) ? 'u32' : dtype;
  const float = isFloat(dtype);
  const table = float ? BINARY_F : dtype === 'i32' ? BINARY_I : BINARY_U;
  if (y) {
    const code = table[op];
    if (code === undefined || y.dtype !== dtype) return reference('binary', inputs, a);
    const shape = broadcastShapes(x.shape, y.shape, op);
    return run('binary', inputs, a, shape, outDtype, () => ({
      op: code,
      shape,
      out: { ptr: 0, strides: [] },
      inputs: [operand(be, x, shape), operand(be, y, shape)],
    }));
  }
  let s = a.scalar as number;
  const first = !!a.scalarFirst;
  const shape = x.shape;
  const xs = operand(be, x, shape);
  const sc = scalarOperand(shape);
  let code: number | undefined;
  if (float) {
    if (COMPARE_OPS.has(op)) {
      if (first) return reference('binary', inputs, a);
      ({ op, s } = compareScalar(op, s));
    } else if (Math.fround(s) !== s && !Number.isNaN(s)) {
      // an f64 scalar: compute like the reference, in f64 (x + s = x * 1 + s, x * s = x * s + -0)
      if (op === 'add' || op === 'sub' || op === 'mul') {
        const [m, c] = op === 'add' ? [1, s] : op === 'mul' ? [s, -0] : first ? [-1, s] : [1, -s];
        return run('binary', inputs, a, shape, outDtype, () => ({
          op: UNARY_F.affine,
          shape,
          out: { ptr: 0, strides: [] },
          inputs: [xs],
          p0: m,
          p1: c,
        }));
      }
      const f64op =
        op === 'div'
          ? first
            ? DIV_INTO_F64
            : DIV_BY_F64
          : op === 'pow'
            ? first
              ? POW_INTO_F64
              : POW_BY_F64
            : -1;
      if (f64op >= 0) {
        return run('binary', inputs, a, shape, outDtype, () => ({
          op: f64op,
          shape,
          out: { ptr: 0, strides: [] },
          inputs: [xs],
          p0: s,
        }));
      }
      // maximum/minimum: rounding s to f32 first gives the same result (rounding is monotonic)
    }
    code = table[op];
  } else {
    // integer ops with an integral scalar inside the dtype's range wrap like the reference's store
    const [min, max] = dtype === 'i32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
    const inRange = COMPARE_OPS.has(op) || op === 'maximum' || op === 'minimum' ? s >= min && s <= max : true;
    if (Number.isInteger(s) && Math.abs(s) < 2 ** 32 && inRange) code = table[op];
  }
  if (code === undefined) return reference('binary', inputs, a);
  const pair = first ? [sc, xs] : [xs, sc];
  const scalarBits = bitsOf(s, float ? 'f32' : 'i32');
  return run('binary', inputs, a, shape, outDtype, () => ({
    op: code,
    shape,
    out: { ptr: 0, strides: [] },
    inputs: pair,
    scalarBits,
  }));
});

registerKernel('where', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [c, x, y] = inputs;
  const be = x.backend as WasmBackend;
  if (y && y.dtype !== x.dtype) return reference('where', inputs, a);
  const shape = y
    ? broadcastShapes(broadcastShapes(c.shape, x.shape, 'where'), y.shape, 'where')
    : broadcastShapes(c.shape, x.shape, 'where');
  const scalarBits = y ? 0 : bitsOf(a.scalar as number, x.dtype);
  // values are copied as stored (already rounded for f16): no rounding pass
  return run(
    'where',
    inputs,
    a,
    shape,
    x.dtype,
    () => ({
      op: isFloat(c.dtype) ? WHERE_F : WHERE_I,
      shape,
      out: { ptr: 0, strides: [] },
      inputs: [
        operand(be, c, shape),
        operand(be, x, shape),
        y ? operand(be, y, shape) : scalarOperand(shape),
      ],
      scalarBits,
    }),
    false,
  );
});

registerKernel('cast', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  const to = a.dtype as DType;
  const be = x.backend as WasmBackend;
  const code = isFloat(to)
    ? x.dtype === 'i32'
      ? CAST_I_TO_F
      : x.dtype === 'u32'
        ? CAST_U_TO_F
        : COPY
    : isFloat(x.dtype)
      ? CAST_F_TO_I
      : COPY;
  // only f32/i32/u32 -> f16 changes values beyond the kernel (f16 -> f16 values are already rounded)
  return run(
    'cast',
    inputs,
    a,
    x.shape,
    to,
    () => ({ op: code, shape: x.shape, out: { ptr: 0, strides: [] }, inputs: [operand(be, x, x.shape)] }),
    to === 'f16' && x.dtype !== 'f16',
  );
});

registerKernel('copy', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [x] = inputs;
  const be = x.backend as WasmBackend;
  return run(
    'copy',
    inputs,
    a,
    x.shape,
    x.dtype,
    () => ({ op: COPY, shape: x.shape, out: { ptr: 0, strides: [] }, inputs: [operand(be, x, x.shape)] }),
    false,
  );
});

registerKernel('fill', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const shape = a.shape as number[];
  const dtype = a.dtype as DType;
  const scalarBits = bitsOf(a.value as number, dtype);
  return run(
    'fill',
    inputs,
    a,
    shape,
    dtype,
    () => ({ op: COPY, shape, out: { ptr: 0, strides: [] }, inputs: [scalarOperand(shape)], scalarBits }),
    false,
  );
});

/** Some element of `t` is reached by two indices (a stride-0 or overlapping layout). */
function selfOverlaps(t: Tensor): boolean {
  const dims = t.shape
    .map((d, i) => ({ d, s: Math.abs(t.strides[i]) }))
    .filter((x) => x.d > 1)
    .sort((p, q) => p.s - q.s);
  let reach = 1;
  for (const { d, s } of dims) {
    if (s < reach) return true;
    reach = s * d;
  }
  return false;
}

registerKernel('assign', 'wasm', (inputs: Tensor[], a: Attrs) => {
  const [dst, src] = inputs;
  const be = dst.backend as WasmBackend;
  if (
    dst.dtype !== src.dtype ||
    src.backend !== dst.backend ||
    src.storage === dst.storage ||
    selfOverlaps(dst) ||
    dst.strides.some((s) => s < 0)
  ) {
    return reference('assign', inputs, a);
  }
  const job: Job = {
    op: COPY,
    shape: dst.shape,
    out: operand(be, dst, dst.shape),
    inputs: [operand(be, src, dst.shape)],
  };
  if (!launch(be, job)) return reference('assign', inputs, a);
  elementwiseStats.wasm++;
  return dst;
});

/** The op codes above, for the test that holds them to elementwise.wat's case labels. */
export const OP_CODES = {
  UNARY_F,
  BINARY_F,
  BINARY_I,
  BINARY_U,
  single: {
    'i32 neg': I_NEG,
    'i32 abs': I_ABS,
    'i32 sign': I_SIGN,
    'u32 sign': U_SIGN,
    'i32 clamp': I_CLAMP,
    'u32 clamp': U_CLAMP,
    'where, f32 condition': WHERE_F,
    'where, i32/u32 condition': WHERE_I,
    copy: COPY,
    'cast f32 -> i32/u32': CAST_F_TO_I,
    'cast i32 -> f32': CAST_I_TO_F,
    'cast u32 -> f32': CAST_U_TO_F,
    'f32 x / p0 in f64': DIV_BY_F64,
    'f32 p0 / x in f64': DIV_INTO_F64,
    'f32 x ** p0 in f64': POW_BY_F64,
    'f32 p0 ** x in f64': POW_INTO_F64,
  },
};
