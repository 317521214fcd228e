// The CPU reference backend: typed arrays, plain loops. It is the executable spec the WGSL kernels
// are tested against, written independently of them.
import { byteSize, type DType, type HostArray, hostArray, roundF16 } from '../../dtype.js';
import type { Backend, Storage } from '../backend.js';

export class CpuBackend implements Backend {
  readonly name = 'cpu';
  private live = 0;
  private bytes = 0;

  alloc(n: number, dtype: DType): Storage {
    this.live++;
    this.bytes += n * byteSize(dtype);
    return { backend: this, bytes: n * byteSize(dtype), dtype, handle: hostArray(dtype, n), refs: 0 };
  }

  release(s: Storage): void {
    this.live--;
    this.bytes -= s.bytes;
  }

  write(s: Storage, data: HostArray): void {
    const h = s.handle as HostArray;
    if (s.dtype === 'f16') for (let i = 0; i < data.length; i++) h[i] = roundF16(data[i]);
    else h.set(data);
  }

  async read(s: Storage, offset: number, n: number): Promise<HostArray> {
    return this.readSync(s, offset, n);
  }

  readSync(s: Storage, offset: number, n: number): HostArray {
    return (s.handle as HostArray).slice(offset, offset + n);
  }

  flush(): void {}

  async sync(): Promise<void> {}

  stats() {
    return { buffers: this.live, bytesInUse: this.bytes, bytesAllocated: this.bytes, pooled: 0 };
  }

  trim(): void {}
}
