// Compiled pipelines, cached per device by program key (op + ranks + dtypes + variant, never sizes).
import { COMPUTE_STAGE } from './buffers.js';
import type { Program } from './wgsl.js';
import { makeShader } from './wgsl.js';

export interface CompiledProgram {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  code: string;
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
    c = { pipeline, layout, code };
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
