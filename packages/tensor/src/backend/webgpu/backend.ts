// The WebGPU backend: storage in pooled GPUBuffers, programs compiled once per key, dispatches
// batched into few submits, reads through a pooled staging buffer with an adaptive wait.
import { byteSize, type DType, f16BitsToF32, f32ToF16Bits, type HostArray, hostArray } from '../../dtype.js';
import type { Backend, Storage } from '../backend.js';
import { BufferPool, MAP_READ_MODE, USAGE } from './buffers.js';
import { CHECK_BYTES, DeviceChecks } from './checks.js';
import type { GpuRuntime } from './device.js';
import { compileLog, PipelineCache, writeCompileRecord } from './pipelines.js';
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
  /** The device-side error flag of kernels that validate their input (checks.ts). */
  readonly checks: DeviceChecks;
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
    this.checks = new DeviceChecks(this.device);
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
    const flag = this.checks.pending;
    const mapped = size + (flag ? CHECK_BYTES : 0);
    const staging = this.pool.acquire(mapped, USAGE.MAP_READ | USAGE.COPY_DST);
    this.queue.copy(s.handle as GPUBuffer, start, staging, 0, size);
    if (flag) this.copyChecks(staging, size);
    this.queue.submit();
    try {
      await gpuWait(staging.mapAsync(MAP_READ_MODE, 0, mapped));
    } catch (e) {
      this.pool.release(staging, false);
      throw new Error(`read: mapping the result failed: ${(e as Error).message}${this.errorReport()}`);
    }
    const bytes = staging.getMappedRange(0, mapped).slice(0);
    staging.unmap();
    this.pool.release(staging, false);
    this.throwErrors();
    if (flag) this.throwCheck(new Uint32Array(bytes, size, CHECK_BYTES / 4));
    const skip = offset * es - start;
    const out = hostArray(s.dtype, n);
    if (s.dtype === 'f16') {
      const h = new Uint16Array(bytes, skip, n);
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(h[i]);
    } else out.set(new (out.constructor as typeof Float32Array)(bytes, skip, n));
    return out;
  }

  /** Record: copy the check flag into `dst` at `at`, then clear it (so each failure is reported once). */
  private copyChecks(dst: GPUBuffer, at: number): void {
    this.checks.pending = false;
    this.queue.copy(this.checks.buffer, 0, dst, at, CHECK_BYTES);
    this.queue.clear(this.checks.buffer);
  }

  private throwCheck(words: Uint32Array): void {
    const e = this.checks.error(words);
    if (e) throw e;
  }

  /** Record one dispatch of `program` over `tensors`' buffers (in binding order). */
  run(
    program: Program,
    buffers: GPUBuffer[],
    uniforms: Record<string, number | readonly number[]>,
    workgroups: readonly [number, number, number],
  ): void {
    if (workgroups[0] * workgroups[1] * workgroups[2] === 0) return;
    const timed = compileLog.target !== '' && !this.pipelines.has(program.key);
    const c = this.pipelines.get(program);
    const u = packUniforms(program.uniforms, uniforms);
    if (!timed) {
      this.queue.dispatch(c.pipeline, c.layout, buffers, u, workgroups);
      return;
    }
    // Compile log (pipelines.ts): the first dispatch of a new pipeline alone in its submit, timed from
    // the later of its submit and the end of the work before it.
    const done = () => gpuWait(this.device.queue.onSubmittedWorkDone()).then(() => performance.now());
    this.queue.submit();
    const before = done();
    const t0 = performance.now();
    this.queue.dispatch(c.pipeline, c.layout, buffers, u, workgroups);
    this.queue.submit();
    Promise.all([before, done()])
      .then(([a, b]) =>
        writeCompileRecord({
          key: program.key,
          wgslBytes: c.code.length,
          createMs: c.createMs,
          firstMs: b - Math.max(a, t0),
        }),
      )
      .catch(() => {});
  }

  flush(): void {
    this.queue.submit();
  }

  /** Wait for all submitted work. */
  async sync(): Promise<void> {
    if (this.checks.pending) {
      // Read the check flag instead of waiting for the queue: the same round trip, and it comes back
      // only after everything recorded before it.
      const staging = this.pool.acquire(CHECK_BYTES, USAGE.MAP_READ | USAGE.COPY_DST);
      this.copyChecks(staging, 0);
      this.queue.submit();
      try {
        await gpuWait(staging.mapAsync(MAP_READ_MODE, 0, CHECK_BYTES));
      } catch (e) {
        this.pool.release(staging, false);
        throw new Error(`sync: waiting for the GPU failed: ${(e as Error).message}${this.errorReport()}`);
      }
      const words = new Uint32Array(staging.getMappedRange(0, CHECK_BYTES).slice(0));
      staging.unmap();
      this.pool.release(staging, false);
      this.throwErrors();
      this.throwCheck(words);
      return;
    }
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
