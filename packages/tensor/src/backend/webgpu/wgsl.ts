// WGSL program shape and generation: kernel authors write main()'s body (and optional helper
// functions); bindings, the uniform block, accessors and index helpers are generated here, like
// tfjs's makeShader. WGSL limits live here too.
import type { DType } from '../../dtype.js';

export const MAX_WORKGROUPS_PER_DIM = 65535;

export interface Binding {
  name: string;
  dtype: DType;
  access: 'read' | 'read_write';
  /** Element type override, e.g. 'atomic<u32>' (default: the dtype). */
  elem?: string;
}

export interface UniformField {
  name: string;
  type: 'u32' | 'i32' | 'f32';
  /** Array length; omit for a scalar. */
  length?: number;
}

export interface Program {
  /** Pipeline cache key: op + ranks + dtypes + variant, never sizes. */
  key: string;
  bindings: Binding[];
  uniforms: UniformField[];
  workgroupSize: readonly [number, number, number];
  /** Statements of main(). In scope: gid, lid, wid, nwg (vec3u), lidx, wgIndex (u32). */
  body: string;
  /** Extra module-scope WGSL (functions, workgroup vars). */
  helpers?: string;
}

export const wgslType = (d: DType) => d;

/** Word offset of each uniform field in the packed block. */
function layout(fields: UniformField[]): Map<string, number> {
  const m = new Map<string, number>();
  let off = 0;
  for (const f of fields) {
    m.set(f.name, off);
    off += f.length ?? 1;
  }
  m.set('__total', off);
  return m;
}

export function uniformWords(fields: UniformField[]): number {
  return layout(fields).get('__total')!;
}

export function packUniforms(
  fields: UniformField[],
  values: Record<string, number | readonly number[]>,
): Uint32Array {
  const lay = layout(fields);
  const words = new Uint32Array(Math.max(4, Math.ceil(lay.get('__total')! / 4) * 4));
  const f32 = new Float32Array(words.buffer);
  const i32 = new Int32Array(words.buffer);
  for (const f of fields) {
    const v = values[f.name];
    if (v === undefined) throw new Error(`uniform '${f.name}' has no value`);
    const arr = typeof v === 'number' ? [v] : v;
    const len = f.length ?? 1;
    if (arr.length > len) throw new Error(`uniform '${f.name}' takes ${len} values, got ${arr.length}`);
    const o = lay.get(f.name)!;
    for (let i = 0; i < arr.length; i++) {
      if (f.type === 'f32') f32[o + i] = arr[i];
      else if (f.type === 'i32') i32[o + i] = arr[i];
      else words[o + i] = arr[i];
    }
  }
  return words;
}

function accessors(fields: UniformField[]): string {
  const lay = layout(fields);
  const conv = (t: UniformField['type'], e: string) => (t === 'u32' ? e : `bitcast<${t}>(${e})`);
  return fields
    .map((f) => {
      const o = lay.get(f.name)!;
      if (f.length === undefined) {
        return `fn u_${f.name}() -> ${f.type} { return ${conv(f.type, `meta_.w[${o >> 2}][${o & 3}]`)}; }`;
      }
      return `fn u_${f.name}(i: u32) -> ${f.type} { let k = ${o}u + i; return ${conv(f.type, 'meta_.w[k >> 2u][k & 3u]')}; }`;
    })
    .join('\n');
}

export function makeShader(p: Program): string {
  const f16 = p.bindings.some((b) => b.dtype === 'f16') || /\bf16\b/.test(p.body + (p.helpers ?? ''));
  const words = Math.max(1, Math.ceil(uniformWords(p.uniforms) / 4));
  const binds = p.bindings
    .map(
      (b, i) =>
        `@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.elem ?? wgslType(b.dtype)}>;`,
    )
    .join('\n');
  const [x, y, z] = p.workgroupSize;
  return `${f16 ? 'enable f16;\n' : ''}// ${p.key}
${binds}
struct Meta { w: array<vec4<u32>, ${words}> }
@group(0) @binding(${p.bindings.length}) var<uniform> meta_: Meta;
${accessors(p.uniforms)}
${p.helpers ?? ''}
@compute @workgroup_size(${x}, ${y}, ${z})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lidx: u32) {
  let wgIndex = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
${p.body}
}
`;
}

/** Workgroup counts for n workgroups in a row, folded into 2-D past the per-dimension limit. */
export function grid(n: number): [number, number, number] {
  if (n <= MAX_WORKGROUPS_PER_DIM) return [Math.max(1, n), 1, 1];
  const y = Math.ceil(n / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(n / y), y, 1];
}

/**
 * WGSL for `fn <fn>(flat: u32) -> u32`: the storage index of element `flat` (row-major over the
 * uniform shape `shapeName`) in a view with uniform strides `<name>_st` and offset `<name>_off`.
 * Unrolled for the rank, so the pipeline key must include it.
 */
export function stridedIndexFn(fn: string, name: string, rank: number, shapeName = 'shape'): string {
  if (rank === 0) return `fn ${fn}(flat: u32) -> u32 { return u_${name}_off(); }`;
  const lines = [`fn ${fn}(flat: u32) -> u32 {`, '  var r = flat;', `  var o = u_${name}_off();`];
  for (let d = rank - 1; d >= 0; d--) {
    if (d === 0) lines.push(`  o += r * u_${name}_st(0u);`);
    else {
      lines.push(
        `  { let n = u_${shapeName}(${d}u); let c = r % n; r = r / n; o += c * u_${name}_st(${d}u); }`,
      );
    }
  }
  lines.push('  return o;', '}');
  return lines.join('\n');
}

/** Uniform fields for one strided input (`<name>_st`, `<name>_off`). */
export function viewUniforms(name: string, rank: number): UniformField[] {
  return [
    { name: `${name}_off`, type: 'u32' },
    { name: `${name}_st`, type: 'u32', length: Math.max(1, rank) },
  ];
}
