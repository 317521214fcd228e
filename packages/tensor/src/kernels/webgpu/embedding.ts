// Deterministic embedding backward, dW [V, D] from ids [N] and g [N, D], without float atomics:
// a stable counting sort of the token positions by id, then one workgroup per vocabulary row sums its
// tokens' gradient rows in increasing token order. Every step's result is independent of scheduling,
// so dW is bit-for-bit the same on every run (and equals the CPU reference's f32 sums in token order).
//   1. rank: per chunk of 256 tokens, each token's rank among equal ids earlier in the chunk; the last of
//      each id writes the chunk's count hist[c, id] (the chunk zeroes its hist row first).
//   2. scan (one workgroup): hist[c, v] <- Σ_{c'<c} hist[c', v]; start[v] = Σ_{v'<v} count(v'); start[V] = valid.
//   3. scatter: sorted[start[id] + hist[c, id] + rank] = token position.
//   4. sum: dW[v, :] = Σ_{k in [start[v], start[v+1])} g[sorted[k], :] (zeros for unused rows).
// The forward is the 'gather' kernel (index_select on axis 0).
import { grid } from '../../backend/webgpu/wgsl.js';
import type { DType } from '../../dtype.js';
import { empty, type Tensor } from '../../tensor.js';
import { type Attrs, registerKernel } from '../registry.js';
import { gpuOf } from './elementwise-program.js';

const CHUNK = 256;
const buf = (t: Tensor) => t.storage.handle as GPUBuffer;
const UNIFORMS = ['N', 'V', 'D', 'C', 'ioff', 'goff'].map((name) => ({ name, type: 'u32' as const }));

/** WGSL: `let <name>` = the id of token i, or 0xffffffff when it is outside [0, V). */
function validId(dtype: DType, name = 'id'): string {
  const ok = dtype === 'i32' ? 'raw >= 0 && u32(raw) < u_V()' : 'raw < u_V()';
  return `let raw = IDS[u_ioff() + i];
  let ${name} = select(0xffffffffu, u32(raw), ${ok});`;
}

registerKernel('embeddingBackward', 'webgpu', ([ids, g], a: Attrs) => {
  const be = gpuOf([ids, g], 'embedding backward');
  const V = a.V as number;
  const D = a.D as number;
  const dtype = a.dtype as DType;
  const N = ids.size;
  const C = Math.max(1, Math.ceil(N / CHUNK));
  const dw = empty([V, D], dtype, 'webgpu');
  if (!V || !D) return dw;
  const hist = empty([C * V], 'u32', 'webgpu');
  const rank = empty([Math.max(1, N)], 'u32', 'webgpu');
  const start = empty([V + 1], 'u32', 'webgpu');
  const sorted = empty([Math.max(1, N)], 'u32', 'webgpu');
  const vals = { N, V, D, C, ioff: ids.offset, goff: g.offset };
  const idb = { name: 'IDS', dtype: ids.dtype, access: 'read' as const };
  const u32b = (name: string, access: 'read' | 'read_write') => ({ name, dtype: 'u32' as const, access });

  be.run(
    {
      key: `embeddingBackward:rank:${ids.dtype}`,
      bindings: [idb, u32b('HIST', 'read_write'), u32b('RANK', 'read_write')],
      uniforms: UNIFORMS,
      workgroupSize: [CHUNK, 1, 1],
      helpers: `var<workgroup> sid: array<u32, ${CHUNK}>;`,
      body: `  let c = wgIndex;
  let i = c * ${CHUNK}u + lidx;
  var id = 0xffffffffu;
  if (i < u_N()) {
    ${validId(ids.dtype, 'id_')}
    id = id_;
  }
  sid[lidx] = id;
  for (var v = lidx; v < u_V(); v += ${CHUNK}u) { HIST[c * u_V() + v] = 0u; }
  storageBarrier();
  workgroupBarrier();
  var r = 0u;
  var last = true;
  for (var k = 0u; k < ${CHUNK}u; k++) {
    let same = sid[k] == id;
    r += select(0u, 1u, same && k < lidx);
    last = last && !(same && k > lidx);
  }
  if (id != 0xffffffffu) {
    RANK[i] = r;
    if (last) { HIST[c * u_V() + id] = r + 1u; }
  }`,
    },
    [ids, hist, rank].map(buf),
    vals,
    grid(C),
  );

  be.run(
    {
      key: 'embeddingBackward:scan',
      bindings: [u32b('HIST', 'read_write'), u32b('START', 'read_write')],
      uniforms: UNIFORMS,
      workgroupSize: [256, 1, 1],
      helpers: 'var<workgroup> part: array<u32, 256>;',
      body: `  let V = u_V();
  let C = u_C();
  let per = (V + 255u) / 256u;
  let v0 = min(lidx * per, V);
  let v1 = min(v0 + per, V);
  var bsum = 0u;
  for (var v = v0; v < v1; v++) {
    var run = 0u;
    for (var c = 0u; c < C; c++) {
      let h = HIST[c * V + v];
      HIST[c * V + v] = run;
      run += h;
    }
    START[v] = run;
    bsum += run;
  }
  part[lidx] = bsum;
  workgroupBarrier();
  for (var k = 1u; k < 256u; k <<= 1u) {
    var t = 0u;
    if (lidx >= k) { t = part[lidx - k]; }
    workgroupBarrier();
    part[lidx] += t;
    workgroupBarrier();
  }
  var base = part[lidx] - bsum;
  for (var v = v0; v < v1; v++) {
    let tot = START[v];
    START[v] = base;
    base += tot;
  }
  if (lidx == 255u) { START[V] = part[255]; }`,
    },
    [hist, start].map(buf),
    vals,
    [1, 1, 1],
  );

  if (N) {
    be.run(
      {
        key: `embeddingBackward:scatter:${ids.dtype}`,
        bindings: [
          idb,
          u32b('HIST', 'read'),
          u32b('RANK', 'read'),
          u32b('START', 'read'),
          u32b('SORTED', 'read_write'),
        ],
        uniforms: UNIFORMS,
        workgroupSize: [CHUNK, 1, 1],
        body: `  let i = wgIndex * ${CHUNK}u + lidx;
  if (i >= u_N()) { return; }
  ${validId(ids.dtype)}
  if (id == 0xffffffffu) { return; }
  let c = i / ${CHUNK}u;
  SORTED[START[id] + HIST[c * u_V() + id] + RANK[i]] = i;`,
      },
      [ids, hist, rank, start, sorted].map(buf),
      vals,
      grid(C),
    );
  }

  be.run(
    {
      key: `embeddingBackward:sum:${g.dtype}:${dtype}`,
      bindings: [
        u32b('START', 'read'),
        u32b('SORTED', 'read'),
        { name: 'G', dtype: g.dtype, access: 'read' },
        { name: 'DW', dtype, access: 'read_write' },
      ],
      uniforms: UNIFORMS,
      workgroupSize: [64, 1, 1],
      body: `  let v = wgIndex;
  if (v >= u_V()) { return; }
  let D = u_D();
  let s = START[v];
  let e = START[v + 1u];
  for (var d = lidx; d < D; d += 64u) {
    var acc = 0.0;
    for (var k = s; k < e; k++) { acc += f32(G[u_goff() + SORTED[k] * D + d]); }
    DW[v * D + d] = ${dtype}(acc);
  }`,
    },
    [start, sorted, g, dw].map(buf),
    vals,
    grid(V),
  );
  for (const t of [hist, rank, start, sorted]) t.dispose();
  return dw;
});
