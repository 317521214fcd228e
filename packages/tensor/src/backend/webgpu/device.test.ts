import { describe, expect, it } from 'vitest';
import { acquireGpu } from './device.js';

// Runs in Node (Dawn on lavapipe) and in Chromium (SwiftShader): a real adapter, never skipped.
describe('acquireGpu', () => {
  it('returns a device that computes on the GPU', async () => {
    const { device, info } = await acquireGpu();
    expect(info.adapterName.length).toBeGreaterThan(0);
    expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    const n = 1000;
    const a = new Float32Array(n).map((_, i) => i * 0.5);
    const b = new Float32Array(n).map((_, i) => 3 - i);
    const make = (data: Float32Array<ArrayBuffer>) => {
      const buf = device.createBuffer({
        size: data.byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buf, 0, data);
      return buf;
    };
    const out = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({
      size: n * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const module = device.createShaderModule({
      code: `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < arrayLength(&o)) { o[g.x] = fma(a[g.x], 2.0, b[g.x] * b[g.x]); }
}`,
    });
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [make(a), make(b), out].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, n * 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const got = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(a[i] * 2 + b[i] * b[i], 3);
  });
});
