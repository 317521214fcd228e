// The WASM backend: tensors in one WebAssembly.Memory, hand-written WebAssembly SIMD kernels
// (src/kernels/wasm/*.wat) where they exist, the CPU reference kernels (run on the same memory)
// everywhere else. The CPU tier for machines whose only WebGPU adapter is a software renderer.
import { type DType, type HostArray, roundF16 } from '../../dtype.js';
import { MODULES, type WasmExports } from '../../kernels/wasm/generated/index.js';
import { relaxedProbe } from '../../kernels/wasm/generated/probe.js';
import type { Backend, Storage } from '../backend.js';
import { createMemory, ELEM, Heap, WasmStorage } from './memory.js';
import { WorkerPool } from './workers.js';

export interface WasmOptions {
  /** Threads for the kernels (caller + workers). Default: min(4, cores); 1 where memory cannot be shared. */
  threads?: number;
  /**
   * Use relaxed-SIMD FMA where the engine supports it (default true). Node 20 ships relaxed SIMD behind
   * --experimental-wasm-relaxed-simd; the backend then switches that V8 flag on at runtime
   * (v8.setFlagsFromString, before compiling its modules) and says so in `info.notes`. `false` keeps
   * V8's flags untouched and runs the plain SIMD128 kernels.
   */
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
  /** Kernels with no WebAssembly version, run by the CPU reference on WASM memory (none today). */
  fallbacks: string[];
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

/** In Node, turn V8's relaxed-SIMD flag on if it is off; true when that made it available. */
async function enableRelaxedSimd(): Promise<boolean> {
  if (!isNode || hasRelaxedSimd()) return false;
  const spec = 'node:v8';
  const v8 = (await import(/* @vite-ignore */ spec)) as { setFlagsFromString(f: string): void };
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return hasRelaxedSimd();
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
  /** f16 tensors are stored widened and rounded to f16 (like the CPU reference): always available. */
  readonly hasF16 = true;

  private constructor(
    readonly heap: Heap,
    private readonly instances: Record<string, WebAssembly.Exports>,
    readonly pool: WorkerPool | null,
    readonly info: WasmInfo,
  ) {}

  /**
   * The exports of kernel module `family` (src/kernels/wasm/<family>.wat), typed from the .wat
   * (generated/<family>.ts `Exports`); a kernel file's `<Family>Exports` alias is that same type.
   * Every module shares this backend's memory.
   */
  kernels<T = never, F extends keyof WasmExports = keyof WasmExports>(
    family: F,
  ): [T] extends [never] ? WasmExports[F] : T {
    return this.instances[family] as unknown as [T] extends [never] ? WasmExports[F] : T;
  }

  get memory(): WebAssembly.Memory {
    return this.heap.memory;
  }

  static async create(opts: WasmOptions = {}): Promise<WasmBackend> {
    const notes: string[] = [];
    const noShare = canShareMemory();
    if (noShare) notes.push(`one thread: ${noShare}`);
    const shared = noShare === null;
    if (opts.relaxedSimd !== false && (await enableRelaxedSimd()))
      notes.push('FMA: switched on V8 relaxed SIMD at runtime (Node 20 keeps it behind a flag)');
    const fma = opts.relaxedSimd !== false && hasRelaxedSimd();
    if (!fma) {
      notes.push(
        opts.relaxedSimd === false
          ? 'FMA off: relaxedSimd: false'
          : 'FMA off: relaxed SIMD is not enabled in this engine (Node 20: --experimental-wasm-relaxed-simd)',
      );
    }
    const memory = createMemory(shared);
    const modules: Record<string, WebAssembly.Module> = {};
    const instances: Record<string, WebAssembly.Exports> = {};
    for (const [family, v] of Object.entries(MODULES)) {
      modules[family] = new WebAssembly.Module(bytes(pick(v, fma, shared)));
      instances[family] = new WebAssembly.Instance(modules[family], { env: { memory } }).exports;
    }
    let threads = Math.max(1, Math.floor(opts.threads ?? Math.min(4, await hardwareThreads())));
    if (threads > 1 && !shared) threads = 1;
    const pool = threads > 1 ? await WorkerPool.create(modules, memory, threads) : null;
    return new WasmBackend(new Heap(memory), instances, pool, {
      threads,
      fma,
      shared,
      notes,
      fallbacks: [],
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
