// GPU buffer pool with size classes. Buffers freed while the open command encoder may still use them
// go back to the pool only at submit (after that, queue writes are ordered behind the work).
// WebGPU's numeric flags, spelled out: in Node the GPUBufferUsage global exists only after Dawn loads.
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const MAP_READ_MODE = 0x1;
export const COMPUTE_STAGE = 0x4;
export const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 4) * 4);
  if (b <= 4 << 20) return 2 ** Math.ceil(Math.log2(b));
  return Math.ceil(b / (1 << 20)) << 20; // above 4 MiB: whole MiB, powers of two waste too much
}

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private pending: [GPUBuffer, number][] = [];
  buffers = 0;
  bytesAllocated = 0;
  bytesInUse = 0;
  pooled = 0;

  constructor(private device: GPUDevice) {}

  acquire(bytes: number, usage = STORAGE_USAGE): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(`${usage}:${size}`);
    const reused = list?.pop();
    this.bytesInUse += size;
    if (reused) {
      this.pooled--;
      return reused;
    }
    this.buffers++;
    this.bytesAllocated += size;
    return this.device.createBuffer({ size, usage });
  }

  /** Return a buffer; `deferred` when the open encoder may reference it. */
  release(buf: GPUBuffer, deferred: boolean): void {
    this.bytesInUse -= buf.size;
    if (deferred) this.pending.push([buf, buf.usage]);
    else this.put(buf);
  }

  private put(buf: GPUBuffer): void {
    const k = `${buf.usage}:${buf.size}`;
    const list = this.free.get(k);
    if (list) list.push(buf);
    else this.free.set(k, [buf]);
    this.pooled++;
  }

  /** Called right after a submit. */
  onSubmit(): void {
    for (const [b] of this.pending) this.put(b);
    this.pending = [];
  }

  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.bytesAllocated -= b.size;
        this.buffers--;
        b.destroy();
      }
    }
    this.free.clear();
    this.pooled = 0;
  }
}
