// The WASM backend: tensors in one WebAssembly.Memory, hand-written WebAssembly SIMD kernels
// (src/kernels/wasm/*.wat) where they exist, the CPU reference kernels (run on the same memory)
// everywhere else. The CPU tier for machines whose only WebGPU adapter is a software renderer.
import { type DType, type HostArray, roundF16 } from '../../dtype.js';
import * as adamwWasm from '../../kernels/wasm/generated/adamw.js';
import * as matmulWasm from '../../kernels/wasm/generated/matmul.js';
import * as normWasm from '../../kernels/wasm/generated/norm.js';
import { relaxedProbe } from '../../kernels/wasm/generated/probe.js';
import * as softmaxWasm from '../../kernels/wasm/generated/softmax.js';
import type { Backend, Storage } from '../backend.js';
import { createMemory, ELEM, Heap, WasmStorage } from './memory.js';
import { WorkerPool } from './pool.js';

export interface WasmOptions {
  /** Threads for matmul (caller + workers). Default: min(2, cores); 1 where memory cannot be shared. */
  threads?: number;
  /** Use relaxed-SIMD FMA where the engine supports it (default true). */
  relaxedSimd?: boolean;
}

export interface WasmInfo {
  threads: number;
  /** f32x4.relaxed_madd in the kernels (relaxed SIMD validated in this engine). */
  fma: boolean;
  /** Memory is a SharedArrayBuffer (threads possible). */
  shared: boolean;
  /** Why threads or FMA are off, when they are. */
  notes: string[];
}

/** The kernel exports of kernels/wasm/matmul.wat. */
export interface MatmulExports {
  pack_a(src: number, rs: number, cs: number, m: number, k: number, dst: number): void;
  pack_b(src: number, rs: number, cs: number, k: number, n: number, dst: number): void;
  gemm(ap: number, bp: number, c: number, ldc: number, mp: number, k: number, q0: number, q1: number): void;
}

/** The kernel exports of kernels/wasm/softmax.wat. */
export interface SoftmaxExports {
  softmax_rows(src: number, dst: number, rows: number, n: number): void;
  softmax_backward_rows(y: number, g: number, dst: number, rows: number, n: number, log: number): void;
}

/** The kernel exports of kernels/wasm/adamw.wat (f32 hyper-parameters, see ops/optim.ts adamwAttrs). */
export interface AdamwExports {
  adamw(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    decay: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    stepSize: number,
    bc2s: number,
    eps: number,
  ): void;
}

/** The kernel exports of kernels/wasm/norm.wat (w, b: 0 when absent). */
export interface NormExports {
  layer_norm_rows(
    x: number,
    y: number,
    st: number,
    rows: number,
    n: number,
    w: number,
    b: number,
    rms: number,
    eps: number,
  ): void;
}

/** The four variants a build-wasm module comes in. */
type Variants = { simd: string; simdLocal: string; fma: string; fmaLocal: string };

function pick(v: Variants, fma: boolean, shared: boolean): string {
  return fma ? (shared ? v.fma : v.fmaLocal) : shared ? v.simd : v.simdLocal;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

function bytes(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Relaxed SIMD available in this engine (Node 20 needs --experimental-wasm-relaxed-simd)? */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(bytes(relaxedProbe));
}

async function hardwareThreads(): Promise<number> {
  if (isNode) {
    const spec = 'node:os';
    const os = (await import(/* @vite-ignore */ spec)) as {
      availableParallelism?: () => number;
      cpus(): unknown[];
    };
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency || 1;
}

function canShareMemory(): string | null {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is unavailable';
  const coi = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (!isNode && coi !== true) return 'the page is not cross-origin isolated (COOP/COEP headers)';
  return null;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm';

  private constructor(
    readonly heap: Heap,
    readonly matmul: MatmulExports,
    readonly softmax: SoftmaxExports,
    readonly adamw: AdamwExports,
    readonly norm: NormExports,
    readonly pool: WorkerPool | null,
    readonly info: WasmInfo,
  ) {}

  get memory(): WebAssembly.Memory {
    return this.heap.memory;
  }

  static async create(opts: WasmOptions = {}): Promise<WasmBackend> {
    const notes: string[] = [];
    const noShare = canShareMemory();
    if (noShare) notes.push(`one thread: ${noShare}`);
    const shared = noShare === null;
    const fma = opts.relaxedSimd !== false && hasRelaxedSimd();
    if (!fma) {
      notes.push(
        opts.relaxedSimd === false
          ? 'FMA off: relaxedSimd: false'
          : 'FMA off: relaxed SIMD is not enabled in this engine (Node 20: --experimental-wasm-relaxed-simd)',
      );
    }
    const module = new WebAssembly.Module(bytes(pick(matmulWasm, fma, shared)));
    const memory = createMemory(shared);
    const instance = (m: WebAssembly.Module) => new WebAssembly.Instance(m, { env: { memory } }).exports;
    const exports = instance(module) as unknown as MatmulExports;
    const softmaxModule = new WebAssembly.Module(bytes(pick(softmaxWasm, fma, shared)));
    const softmax = instance(softmaxModule) as unknown as SoftmaxExports;
    const adamwModule = new WebAssembly.Module(bytes(pick(adamwWasm, fma, shared)));
    const adamw = instance(adamwModule) as unknown as AdamwExports;
    const normModule = new WebAssembly.Module(bytes(pick(normWasm, fma, shared)));
    const norm = instance(normModule) as unknown as NormExports;
    let threads = Math.max(1, Math.floor(opts.threads ?? Math.min(2, await hardwareThreads())));
    if (threads > 1 && !shared) threads = 1;
    if (threads > 1 && !isNode) {
      notes.push('one thread: a browser main thread cannot block on worker results');
      threads = 1;
    }
    const pool = threads > 1 ? await WorkerPool.create(module, memory, threads) : null;
    return new WasmBackend(new Heap(memory), exports, softmax, adamw, norm, pool, {
      threads,
      fma,
      shared,
      notes,
    });
  }

  /** Byte address of element `offset` of a WASM storage. */
  addr(s: Storage, offset = 0): number {
    return (s as WasmStorage).ptr + offset * ELEM;
  }

  alloc(n: number, dtype: DType): Storage {
    if (n === 0) return new WasmStorage(this, this.heap, 0, 0, dtype, 0);
    const { ptr, capacity } = this.heap.alloc(n * ELEM);
    return new WasmStorage(this, this.heap, ptr, n, dtype, capacity);
  }

  release(s: Storage): void {
    const w = s as WasmStorage;
    if (w.capacity > 0) this.heap.release(w.ptr, w.capacity);
  }

  /** Scratch bytes for a kernel (release with freeScratch). */
  scratch(bytes: number): { ptr: number; capacity: number } {
    return this.heap.alloc(bytes);
  }

  freeScratch(b: { ptr: number; capacity: number }): void {
    this.heap.release(b.ptr, b.capacity);
  }

  write(s: Storage, data: HostArray): void {
    const h = (s as WasmStorage).handle;
    if (s.dtype === 'f16') for (let i = 0; i < data.length; i++) h[i] = roundF16(data[i]);
    else h.set(data);
  }

  async read(s: Storage, offset: number, n: number): Promise<HostArray> {
    return this.readSync(s, offset, n);
  }

  readSync(s: Storage, offset: number, n: number): HostArray {
    return (s as WasmStorage).handle.slice(offset, offset + n);
  }

  flush(): void {}

  /** Backend interface (added by the lead): work is synchronous here. */
  async sync(): Promise<void> {}

  stats() {
    const h = this.heap;
    return { buffers: h.live, bytesInUse: h.inUse, bytesAllocated: h.allocated, pooled: h.pooled };
  }

  trim(): void {
    this.heap.trim();
  }

  /** Stop worker threads. */
  async close(): Promise<void> {
    await this.pool?.close();
  }
}
