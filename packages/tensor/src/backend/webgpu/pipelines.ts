// Compiled pipelines, cached per device by program key (op + ranks + dtypes + variant, never sizes).
import { COMPUTE_STAGE } from './buffers.js';
import type { Program } from './wgsl.js';
import { makeShader } from './wgsl.js';

export interface CompiledProgram {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  code: string;
  /** Milliseconds createComputePipeline took (WGSL → SPIR-V → driver; lavapipe's LLVM runs later). */
  createMs: number;
}

/** One line of the compile log: a pipeline's first use. */
export interface CompileRecord {
  key: string;
  wgslBytes: number;
  createMs: number;
  /** Compile + run of the first dispatch (lavapipe JIT-compiles a pipeline when it first runs). */
  firstMs: number;
}

// Debug knobs (cold-start analysis), Node only:
// - env UNIF2ACE_COMPILE_LOG: '1' prints one line per new pipeline to stderr; any other value is a file
//   that gets one JSON line (CompileRecord) per new pipeline, appended (tools/test-all.sh sums it). Each
//   new pipeline's first dispatch is then submitted on its own and timed to Dawn's completion callback.
//   lavapipe compiles a pipeline when it first runs, and creating the next pipeline waits for that, so
//   a pipeline's compile shows in its firstMs or in the next new pipeline's createMs: per key the split
//   is approximate, the sum over a run is the time spent compiling. Off by default (two extra submits
//   per new key).
// - env UNIF2ACE_WGSL_DUMP=<dir>: writes each new pipeline's WGSL to <dir>/<key>.wgsl, for
//   bench/compile-times.mjs, which compiles them one at a time and times each exactly.
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
export const compileLog = { target: env?.UNIF2ACE_COMPILE_LOG || '', dump: env?.UNIF2ACE_WGSL_DUMP || '' };

type Fs = {
  appendFileSync(p: string, s: string): void;
  writeFileSync(p: string, s: string): void;
  existsSync(p: string): boolean;
  mkdirSync(p: string): void;
};
let fsModule: Promise<Fs> | null = null;
const fs = () => {
  const spec = 'node:fs';
  fsModule ??= import(/* @vite-ignore */ spec) as Promise<Fs>;
  return fsModule;
};

export async function writeCompileRecord(r: CompileRecord): Promise<void> {
  const t = compileLog.target;
  if (!t) return;
  if (t === '1') {
    console.error(
      `compile ${r.key}: ${r.wgslBytes} B WGSL, create ${r.createMs.toFixed(0)} ms, first dispatch ${r.firstMs.toFixed(0)} ms`,
    );
    return;
  }
  (await fs()).appendFileSync(t, `${JSON.stringify(r)}\n`);
}

async function dumpWgsl(key: string, code: string): Promise<void> {
  const f = await fs();
  if (!f.existsSync(compileLog.dump)) f.mkdirSync(compileLog.dump); // one level: the parent must exist
  f.writeFileSync(`${compileLog.dump}/${key.replace(/[^\w.,=+-]+/g, '_')}.wgsl`, code);
}

export class PipelineCache {
  private cache = new Map<string, CompiledProgram>();
  constructor(private device: GPUDevice) {}

  get size(): number {
    return this.cache.size;
  }

  get(p: Program): CompiledProgram {
    let c = this.cache.get(p.key);
    if (c) return c;
    const t0 = performance.now();
    const code = makeShader(p);
    const entries: GPUBindGroupLayoutEntry[] = [];
    p.bindings.forEach((b, i) => {
      entries.push({
        binding: i,
        visibility: COMPUTE_STAGE,
        buffer: { type: b.access === 'read' ? 'read-only-storage' : 'storage' },
      });
    });
    entries.push({ binding: p.bindings.length, visibility: COMPUTE_STAGE, buffer: { type: 'uniform' } });
    const layout = this.device.createBindGroupLayout({ label: p.key, entries });
    const module = this.device.createShaderModule({ label: p.key, code });
    const pipeline = this.device.createComputePipeline({
      label: p.key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    c = { pipeline, layout, code, createMs: performance.now() - t0 };
    if (compileLog.dump) dumpWgsl(p.key, code).catch(() => {});
    this.cache.set(p.key, c);
    return c;
  }

  has(key: string): boolean {
    return this.cache.has(key);
  }

  source(key: string): string | undefined {
    return this.cache.get(key)?.code;
  }
}
