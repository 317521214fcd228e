// What a backend provides: storage and a table of kernels. WebGPU (WGSL) and the plain-TS CPU
// reference implement it; a WASM backend can join the same registry later.
import type { DType, HostArray } from '../dtype.js';

export interface Storage {
  readonly backend: Backend;
  readonly bytes: number;
  readonly dtype: DType;
  /** Backend handle: a GPUBuffer, or a typed array on the CPU. */
  readonly handle: unknown;
  /** Number of tensors viewing this storage. */
  refs: number;
}

export interface Backend {
  readonly name: string;
  /** Storage for n elements, contents unspecified. */
  alloc(n: number, dtype: DType, label?: string): Storage;
  release(storage: Storage): void;
  /** Upload host values (already converted to the dtype's host array type). */
  write(storage: Storage, data: HostArray): void;
  /** Read `n` elements from element `offset` of a contiguous range. */
  read(storage: Storage, offset: number, n: number): Promise<HostArray>;
  /** Synchronous read, where the backend can (CPU); undefined on GPU backends. */
  readSync?(storage: Storage, offset: number, n: number): HostArray;
  /** Make queued work start (GPU: submit the open encoder). */
  flush(): void;
  /** Resolve when all queued work has finished (for timing; reads already wait for their data). */
  sync(): Promise<void>;
  stats(): { buffers: number; bytesInUse: number; bytesAllocated: number; pooled: number };
  /** Free pooled memory. */
  trim(): void;
}
