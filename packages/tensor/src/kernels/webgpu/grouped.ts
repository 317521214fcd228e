// The sparse-MoE kernels in WGSL (ops/grouped.ts), checked against the CPU reference (backend/cpu/grouped.ts).
// groupedMatmul: one dispatch for all experts; each invocation owns a 4x4 block of the output. Its rows'
// experts come from a binary search in the offsets; when the 4 rows share an expert (every block but
// those straddling an expert boundary) the block reuses each weight load across its rows, else it
// falls back to a per-row loop. groupedMatmulWgrad: one invocation per 4x4 block of dw[e], summing over
// expert e's rows. countingSort: one workgroup (fine for the few thousand routing assignments of a
// layer): per-thread histograms of contiguous chunks, a scan, then a stable scatter, with per-bucket
// capacities (CAPS) and the dropped positions kept in order at the tail. No float atomics: deterministic.
import { grid } from '../../backend/webgpu/wgsl.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf } from './map.js';

const buf = (t: Tensor) => t.storage.handle as GPUBuffer;
const WGS = 64;
const u32s = (names: string[]) => names.map((name) => ({ name, type: 'u32' as const }));

/** WGSL: the group of row r (E when r is outside every group), by binary search in OFF. */
const EXPERT_OF = `fn expertOf(r: u32) -> u32 {
  let E = u_E();
  let o = u_ooff();
  if (r >= u_N() || i32(r) < OFF[o] || i32(r) >= OFF[o + E]) { return E; }
  var lo = 0u;
  var hi = E;
  loop {
    if (hi - lo <= 1u) { break; }
    let mid = (lo + hi) / 2u;
    if (i32(r) >= OFF[o + mid]) { lo = mid; } else { hi = mid; }
  }
  return lo;
}`;

registerKernel('groupedMatmul', 'webgpu', ([x, w, off]: Tensor[], a: Attrs) => {
  const be = gpuOf([x, w, off], 'groupedMatmul');
  const transB = a.transB as boolean;
  const [N, K] = x.shape;
  const [E, P, Q] = w.shape;
  const H = transB ? P : Q;
  const out = empty([N, H], x.dtype, 'webgpu');
  if (!out.size) return out;
  const dt = x.dtype;
  const rb = Math.ceil(N / 4);
  const cb = Math.ceil(H / 4);
  const blocks = rb * cb;
  be.run(
    {
      key: `groupedMatmul:${dt}`,
      bindings: [
        { name: 'X', dtype: dt, access: 'read' },
        { name: 'W', dtype: dt, access: 'read' },
        { name: 'OFF', dtype: 'i32', access: 'read' },
        { name: 'OUT', dtype: dt, access: 'read_write' },
      ],
      uniforms: u32s(['N', 'K', 'H', 'E', 'cb', 'blocks', 'sk', 'sh', 'we', 'xoff', 'woff', 'ooff']),
      workgroupSize: [WGS, 1, 1],
      helpers: EXPERT_OF,
      body: `  let i = wgIndex * ${WGS}u + lidx;
  if (i >= u_blocks()) { return; }
  let K = u_K();
  let H = u_H();
  let r0 = (i / u_cb()) * 4u;
  let c0 = (i % u_cb()) * 4u;
  var acc: array<vec4f, 4>;
  var ex: array<u32, 4>;
  for (var q = 0u; q < 4u; q++) { ex[q] = expertOf(r0 + q); }
  // columns past H read column H - 1 (in bounds) and are not stored
  let cols = vec4u(min(c0, H - 1u), min(c0 + 1u, H - 1u), min(c0 + 2u, H - 1u), min(c0 + 3u, H - 1u));
  let ch = cols * u_sh();
  if (ex[0] == ex[3] && ex[0] < u_E()) {
    let wb = u_woff() + ex[0] * u_we();
    for (var k = 0u; k < K; k++) {
      let wk = wb + k * u_sk();
      let wv = vec4f(f32(W[wk + ch.x]), f32(W[wk + ch.y]), f32(W[wk + ch.z]), f32(W[wk + ch.w]));
      for (var q = 0u; q < 4u; q++) {
        acc[q] = fma(vec4f(f32(X[u_xoff() + (r0 + q) * K + k])), wv, acc[q]);
      }
    }
  } else {
    for (var q = 0u; q < 4u; q++) {
      if (ex[q] >= u_E()) { continue; }
      let wb = u_woff() + ex[q] * u_we();
      var s = vec4f(0.0);
      for (var k = 0u; k < K; k++) {
        let wk = wb + k * u_sk();
        let wv = vec4f(f32(W[wk + ch.x]), f32(W[wk + ch.y]), f32(W[wk + ch.z]), f32(W[wk + ch.w]));
        s = fma(vec4f(f32(X[u_xoff() + (r0 + q) * K + k])), wv, s);
      }
      acc[q] = s;
    }
  }
  for (var q = 0u; q < 4u; q++) {
    let r = r0 + q;
    if (r >= u_N()) { break; }
    let keep = ex[q] < u_E();
    for (var j = 0u; j < 4u; j++) {
      if (c0 + j < H) { OUT[r * H + c0 + j] = ${dt}(select(0.0, acc[q][j], keep)); }
    }
  }`,
    },
    [x, w, off, out].map(buf),
    {
      N,
      K,
      H,
      E,
      cb,
      blocks,
      sk: transB ? 1 : Q,
      sh: transB ? Q : 1,
      we: P * Q,
      xoff: x.offset,
      woff: w.offset,
      ooff: off.offset,
    },
    grid(Math.ceil(blocks / WGS)),
  );
  return out;
});

registerKernel('groupedMatmulWgrad', 'webgpu', ([x, dy, off]: Tensor[], a: Attrs) => {
  const be = gpuOf([x, dy, off], 'groupedMatmul backward');
  const E = a.E as number;
  const [N, D] = x.shape;
  const H = dy.shape[1];
  const out = empty([E, D, H], x.dtype, 'webgpu');
  if (!out.size) return out;
  const dt = x.dtype;
  const db = Math.ceil(D / 4);
  const cb = Math.ceil(H / 4);
  const blocks = E * db * cb;
  be.run(
    {
      key: `groupedMatmulWgrad:${dt}`,
      bindings: [
        { name: 'X', dtype: dt, access: 'read' },
        { name: 'G', dtype: dt, access: 'read' },
        { name: 'OFF', dtype: 'i32', access: 'read' },
        { name: 'OUT', dtype: dt, access: 'read_write' },
      ],
      uniforms: u32s(['N', 'D', 'H', 'E', 'db', 'cb', 'blocks', 'xoff', 'goff', 'ooff']),
      workgroupSize: [WGS, 1, 1],
      body: `  let i = wgIndex * ${WGS}u + lidx;
  if (i >= u_blocks()) { return; }
  let D = u_D();
  let H = u_H();
  let e = i / (u_db() * u_cb());
  let rest = i % (u_db() * u_cb());
  let d0 = (rest / u_cb()) * 4u;
  let c0 = (rest % u_cb()) * 4u;
  let s = u32(clamp(OFF[u_ooff() + e], 0, i32(u_N())));
  let t = u32(clamp(OFF[u_ooff() + e + 1u], i32(s), i32(u_N())));
  let cols = vec4u(min(c0, H - 1u), min(c0 + 1u, H - 1u), min(c0 + 2u, H - 1u), min(c0 + 3u, H - 1u));
  let ds = vec4u(min(d0, D - 1u), min(d0 + 1u, D - 1u), min(d0 + 2u, D - 1u), min(d0 + 3u, D - 1u));
  var acc: array<vec4f, 4>;
  for (var n = s; n < t; n++) {
    let gb = u_goff() + n * H;
    let gv = vec4f(f32(G[gb + cols.x]), f32(G[gb + cols.y]), f32(G[gb + cols.z]), f32(G[gb + cols.w]));
    let xb = u_xoff() + n * D;
    for (var q = 0u; q < 4u; q++) { acc[q] = fma(vec4f(f32(X[xb + ds[q]])), gv, acc[q]); }
  }
  for (var q = 0u; q < 4u; q++) {
    if (d0 + q >= D) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (c0 + j < H) { OUT[(e * D + d0 + q) * H + c0 + j] = ${dt}(acc[q][j]); }
    }
  }`,
    },
    [x, dy, off, out].map(buf),
    { N, D, H, E, db, cb, blocks, xoff: x.offset, goff: dy.offset, ooff: off.offset },
    grid(Math.ceil(blocks / WGS)),
  );
  return out;
});

const SORT_WG = 256;

registerKernel('countingSort', 'webgpu', ([keys, caps]: Tensor[], a: Attrs) => {
  const be = gpuOf([keys, caps], 'countingSort');
  const V = a.buckets as number;
  const N = keys.size;
  const order = empty([N], 'i32', 'webgpu');
  const offsets = empty([V + 1], 'i32', 'webgpu');
  // per-thread histograms, then per-bucket counts
  const hist = empty([SORT_WG * V + V], 'u32', 'webgpu');
  const u32b = (name: string) => ({ name, dtype: 'u32' as const, access: 'read_write' as const });
  be.run(
    {
      key: 'countingSort',
      bindings: [
        { name: 'KEYS', dtype: 'i32', access: 'read' },
        { name: 'CAPS', dtype: 'i32', access: 'read' },
        { name: 'ORDER', dtype: 'i32', access: 'read_write' },
        { name: 'START', dtype: 'i32', access: 'read_write' },
        u32b('HIST'),
      ],
      uniforms: u32s(['N', 'V', 'koff', 'coff']),
      workgroupSize: [SORT_WG, 1, 1],
      helpers: `var<workgroup> part: array<u32, ${SORT_WG}>;
fn bucketOf(i: u32) -> u32 {
  let k = KEYS[u_koff() + i];
  return select(0xffffffffu, u32(k), k >= 0 && u32(k) < u_V());
}`,
      body: `  let N = u_N();
  let V = u_V();
  let per = (N + ${SORT_WG - 1}u) / ${SORT_WG}u;
  let i0 = min(lidx * per, N);
  let i1 = min(i0 + per, N);
  let h = lidx * V;
  let cnt = ${SORT_WG}u * V;
  for (var b = 0u; b < V; b++) { HIST[h + b] = 0u; }
  for (var i = i0; i < i1; i++) {
    let b = bucketOf(i);
    if (b != 0xffffffffu) { HIST[h + b] += 1u; }
  }
  storageBarrier();
  workgroupBarrier();
  // HIST[t, b] <- rank of thread t's first b-key among all b-keys; HIST[cnt + b] <- count of b
  for (var b = lidx; b < V; b += ${SORT_WG}u) {
    var run = 0u;
    for (var t = 0u; t < ${SORT_WG}u; t++) {
      let c = HIST[t * V + b];
      HIST[t * V + b] = run;
      run += c;
    }
    HIST[cnt + b] = run;
  }
  storageBarrier();
  workgroupBarrier();
  if (lidx == 0u) {
    var run = 0u;
    for (var b = 0u; b < V; b++) {
      START[b] = i32(run);
      var c = HIST[cnt + b];
      let cap = CAPS[u_coff() + b];
      if (cap >= 0) { c = min(c, u32(cap)); }
      run += c;
    }
    START[V] = i32(run);
  }
  storageBarrier();
  workgroupBarrier();
  let kept = u32(START[V]);
  // dropped positions in this thread's chunk (bad keys, or ranks past the capacity)
  var dropped = 0u;
  for (var i = i0; i < i1; i++) {
    let b = bucketOf(i);
    if (b == 0xffffffffu) { dropped++; continue; }
    let r = HIST[h + b];
    HIST[h + b] = r + 1u;
    let cap = CAPS[u_coff() + b];
    if (cap >= 0 && r >= u32(cap)) { dropped++; }
  }
  workgroupBarrier();
  part[lidx] = dropped;
  workgroupBarrier();
  for (var s = 1u; s < ${SORT_WG}u; s <<= 1u) {
    var v = 0u;
    if (lidx >= s) { v = part[lidx - s]; }
    workgroupBarrier();
    part[lidx] += v;
    workgroupBarrier();
  }
  var tail = kept + part[lidx] - dropped;
  // second walk: the ranks were advanced by the first walk, so step them back per key
  for (var i = i1; i > i0; i--) {
    let b = bucketOf(i - 1u);
    if (b != 0xffffffffu) { HIST[h + b] -= 1u; }
  }
  for (var i = i0; i < i1; i++) {
    let b = bucketOf(i);
    var keep = false;
    var dst = 0u;
    if (b != 0xffffffffu) {
      let r = HIST[h + b];
      HIST[h + b] = r + 1u;
      let cap = CAPS[u_coff() + b];
      keep = cap < 0 || r < u32(cap);
      dst = u32(START[b]) + r;
    }
    if (!keep) {
      dst = tail;
      tail++;
    }
    ORDER[dst] = i32(i);
  }`,
    },
    [keys, caps, order, offsets, hist].map(buf),
    { N, V, koff: keys.offset, coff: caps.offset },
    [1, 1, 1],
  );
  hist.dispose();
  return [order, offsets];
});
