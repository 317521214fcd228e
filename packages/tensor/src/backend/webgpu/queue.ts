// Batched command recording: dispatches go into one open compute pass; uniforms of a batch go into
// one arena written right before submit. Submits happen every `batchSize` dispatches or on read.
import { type BufferPool, USAGE } from './buffers.js';

const UNIFORM_SLOT = 256; // minUniformBufferOffsetAlignment

export class Queue {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private arena: GPUBuffer | null = null;
  private staging: Uint8Array<ArrayBuffer>;
  private slots = 0;
  dispatches = 0;
  submits = 0;

  constructor(
    private device: GPUDevice,
    private pool: BufferPool,
    readonly batchSize: number,
  ) {
    this.staging = new Uint8Array(batchSize * UNIFORM_SLOT);
  }

  get open(): boolean {
    return this.encoder !== null;
  }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder();
      this.arena = this.pool.acquire(this.staging.byteLength, USAGE.UNIFORM | USAGE.COPY_DST);
      this.slots = 0;
    }
    return this.encoder;
  }

  dispatch(
    pipeline: GPUComputePipeline,
    layout: GPUBindGroupLayout,
    buffers: GPUBuffer[],
    uniforms: Uint32Array,
    workgroups: readonly [number, number, number],
  ): void {
    if (uniforms.byteLength > UNIFORM_SLOT)
      throw new Error(`uniform block of ${uniforms.byteLength} B exceeds ${UNIFORM_SLOT} B`);
    if (this.slots === this.batchSize) this.submit();
    const enc = this.ensureEncoder();
    const slot = this.slots++;
    this.staging.set(
      new Uint8Array(uniforms.buffer, uniforms.byteOffset, uniforms.byteLength),
      slot * UNIFORM_SLOT,
    );
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({
      binding,
      resource: { buffer },
    }));
    entries.push({
      binding: buffers.length,
      resource: { buffer: this.arena!, offset: slot * UNIFORM_SLOT, size: UNIFORM_SLOT },
    });
    const bindGroup = this.device.createBindGroup({ layout, entries });
    if (!this.pass) this.pass = enc.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    this.dispatches++;
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    const enc = this.ensureEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    enc.copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
  }

  /** Zero `buf` at this point of the recorded work. */
  clear(buf: GPUBuffer): void {
    const enc = this.ensureEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    enc.clearBuffer(buf);
  }

  submit(): void {
    if (!this.encoder) return;
    if (this.pass) this.pass.end();
    this.pass = null;
    // Queue writes run before the command buffer submitted after them: the arena is ready in time.
    if (this.slots) this.device.queue.writeBuffer(this.arena!, 0, this.staging, 0, this.slots * UNIFORM_SLOT);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pool.release(this.arena!, true);
    this.arena = null;
    this.submits++;
    this.pool.onSubmit();
  }
}
