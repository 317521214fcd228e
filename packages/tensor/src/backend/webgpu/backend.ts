// The WebGPU backend: storage in pooled GPUBuffers, programs compiled once per key, dispatches
// batched into few submits, reads through a pooled staging buffer with an adaptive wait.
import { byteSize, type DType, f16BitsToF32, f32ToF16Bits, type HostArray, hostArray } from '../../dtype.js';
import type { Backend, Storage } from '../backend.js';
import { BufferPool, MAP_READ_MODE, USAGE } from './buffers.js';
import type { GpuRuntime } from './device.js';
import { PipelineCache } from './pipelines.js';
import { Queue } from './queue.js';
import { gpuWait } from './wait.js';
import { type Program, packUniforms } from './wgsl.js';

export interface GpuStorage extends Storage {
  readonly handle: GPUBuffer;
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly queue: Queue;
  readonly maxBinding: number;
  readonly errors: string[] = [];
  lost: string | null = null;

  constructor(
    readonly runtime: GpuRuntime,
    opts: { batchSize?: number } = {},
  ) {
    this.device = runtime.device;
    this.pool = new BufferPool(this.device);
    this.pipelines = new PipelineCache(this.device);
    this.queue = new Queue(this.device, this.pool, opts.batchSize ?? 64);
    this.maxBinding = runtime.info.limits.maxStorageBufferBindingSize;
    this.device.addEventListener?.('uncapturederror', (ev) => {
      const msg = (ev as GPUUncapturedErrorEvent).error.message;
      this.errors.push(msg);
    });
    this.device.lost.then((info) => {
      this.lost = `${info.reason}: ${info.message}`;
    });
  }

  get hasF16(): boolean {
    return this.runtime.info.features.shaderF16;
  }

  alloc(n: number, dtype: DType, label = 'tensor'): GpuStorage {
    if (dtype === 'f16' && !this.hasF16) {
      throw new TypeError(
        `${label}: dtype f16 needs the adapter feature shader-f16, which this adapter lacks`,
      );
    }
    const bytes = n * byteSize(dtype);
    if (bytes > this.maxBinding) {
      throw new RangeError(
        `${label}: ${n} × ${dtype} = ${bytes} bytes exceeds this adapter's maxStorageBufferBindingSize (${this.maxBinding} bytes); split the work`,
      );
    }
    this.checkLost(label);
    return { backend: this, bytes, dtype, handle: this.pool.acquire(bytes), refs: 0 };
  }

  release(s: Storage): void {
    this.pool.release(s.handle as GPUBuffer, this.queue.open);
  }

  write(s: Storage, data: HostArray): void {
    const buf = s.handle as GPUBuffer;
    if (s.dtype === 'f16') {
      const h = new Uint16Array(data.length + (data.length & 1));
      for (let i = 0; i < data.length; i++) h[i] = f32ToF16Bits(data[i]);
      this.device.queue.writeBuffer(buf, 0, h);
    } else this.device.queue.writeBuffer(buf, 0, data);
  }

  async read(s: Storage, offset: number, n: number): Promise<HostArray> {
    this.checkLost('read');
    const es = byteSize(s.dtype);
    const start = Math.floor((offset * es) / 4) * 4;
    const end = Math.ceil(((offset + n) * es) / 4) * 4;
    const size = end - start;
    const staging = this.pool.acquire(size, USAGE.MAP_READ | USAGE.COPY_DST);
    this.queue.copy(s.handle as GPUBuffer, start, staging, 0, size);
    this.queue.submit();
    try {
      await gpuWait(staging.mapAsync(MAP_READ_MODE, 0, size));
    } catch (e) {
      this.pool.release(staging, false);
      throw new Error(`read: mapping the result failed: ${(e as Error).message}${this.errorReport()}`);
    }
    const bytes = staging.getMappedRange(0, size).slice(0);
    staging.unmap();
    this.pool.release(staging, false);
    this.throwErrors();
    const skip = offset * es - start;
    const out = hostArray(s.dtype, n);
    if (s.dtype === 'f16') {
      const h = new Uint16Array(bytes, skip, n);
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(h[i]);
    } else out.set(new (out.constructor as typeof Float32Array)(bytes, skip, n));
    return out;
  }

  /** Record one dispatch of `program` over `tensors`' buffers (in binding order). */
  run(
    program: Program,
    buffers: GPUBuffer[],
    uniforms: Record<string, number | readonly number[]>,
    workgroups: readonly [number, number, number],
  ): void {
    if (workgroups[0] * workgroups[1] * workgroups[2] === 0) return;
    const { pipeline, layout } = this.pipelines.get(program);
    this.queue.dispatch(pipeline, layout, buffers, packUniforms(program.uniforms, uniforms), workgroups);
  }

  flush(): void {
    this.queue.submit();
  }

  /** Wait for all submitted work. */
  async sync(): Promise<void> {
    this.queue.submit();
    await gpuWait(this.device.queue.onSubmittedWorkDone());
    this.throwErrors();
  }

  stats() {
    return {
      buffers: this.pool.buffers,
      bytesInUse: this.pool.bytesInUse,
      bytesAllocated: this.pool.bytesAllocated,
      pooled: this.pool.pooled,
    };
  }

  trim(): void {
    this.queue.submit();
    this.pool.trim();
  }

  private checkLost(where: string): void {
    if (this.lost) throw new Error(`${where}: the GPU device was lost (${this.lost}); call init() again`);
  }

  private errorReport(): string {
    return this.errors.length ? `\nGPU errors:\n${this.errors.join('\n')}` : '';
  }

  private throwErrors(): void {
    if (!this.errors.length) return;
    const msg = this.errors.splice(0).join('\n');
    throw new Error(`WebGPU reported errors: ${msg}`);
  }
}
