// init(): acquire the device and make a backend the default. The top of the package: it loads every
// kernel implementation (kernels/all.ts, generated), the Tensor's op methods, and the WASM warm-up.
import './kernels/all.js';
import './tensor-methods.js';
import type { Backend } from './backend/backend.js';
import { CpuBackend } from './backend/cpu/backend.js';
import type { WasmInfo, WasmOptions } from './backend/wasm/backend.js';
import { initWasm } from './backend/wasm/init.js';
import { warmUp } from './backend/wasm/warmup.js';
import { WebGpuBackend } from './backend/webgpu/backend.js';
import { type AcquireOptions, acquireGpu, type GpuInfo, softwareAdapter } from './backend/webgpu/device.js';
import { checkBackendName, engine } from './engine.js';

export type BackendName = 'webgpu' | 'cpu' | 'wasm';

export interface InitOptions extends Omit<AcquireOptions, 'backend'> {
  /**
   * Default: 'webgpu'. 'cpu' is the plain-TS reference (slow; for tests and checking). 'wasm': WebAssembly
   * SIMD kernels on the CPU. 'auto': WebGPU on a hardware adapter, WASM when the only adapter is a
   * software renderer (lavapipe, SwiftShader) or there is none; InitResult.reason says which and why.
   */
  backend?: BackendName | 'auto';
  /** WASM backend options (threads, relaxed SIMD); apply to its first init. */
  wasm?: WasmOptions;
  /** Node only: Dawn's backend (default env UNIF2ACE_WEBGPU_BACKEND, else vulkan). */
  dawnBackend?: AcquireOptions['backend'];
  /** Dispatches per submit (default 64). */
  batchSize?: number;
}

export interface InitResult {
  backend: Backend;
  gpu?: GpuInfo;
  /** Why this backend was chosen (always set by 'auto'). */
  reason?: string;
  wasm?: WasmInfo;
}

let gpuInit: Promise<WebGpuBackend> | null = null;

/** Acquire the WebGPU device (once) and make the chosen backend the default for new tensors. */
export async function init(opts: InitOptions = {}): Promise<InitResult> {
  if (opts.backend !== undefined) checkBackendName(opts.backend, 'init', ['auto']);
  if (opts.backend === 'wasm') return initWasmDefault(opts, 'asked for the wasm backend');
  if (opts.backend === 'auto') {
    let r: InitResult;
    try {
      r = await init({ ...opts, backend: 'webgpu' });
    } catch (e) {
      return initWasmDefault(opts, `no WebGPU adapter (${(e as Error).message})`);
    }
    const soft = softwareAdapter(r.gpu!);
    if (soft) return { ...(await initWasmDefault(opts, soft)), gpu: r.gpu };
    return { ...r, reason: `hardware WebGPU adapter '${r.gpu!.adapterName}'` };
  }
  const which = opts.backend === 'cpu' ? 'cpu' : 'webgpu';
  if (which === 'cpu') {
    const cpu = engine.backends.get('cpu') ?? new CpuBackend();
    engine.backends.set('cpu', cpu);
    engine.defaultBackend = cpu;
    return { backend: cpu };
  }
  if (!gpuInit) {
    gpuInit = acquireGpu({ ...opts, backend: opts.dawnBackend }).then(
      (rt) => new WebGpuBackend(rt, { batchSize: opts.batchSize }),
    );
    gpuInit.catch(() => {
      gpuInit = null;
    });
  }
  const gpu = await gpuInit;
  engine.backends.set('webgpu', gpu);
  if (!engine.backends.has('cpu')) engine.backends.set('cpu', new CpuBackend());
  engine.defaultBackend = gpu;
  return { backend: gpu, gpu: gpu.runtime.info };
}

async function initWasmDefault(opts: InitOptions, reason: string): Promise<InitResult> {
  const be = await initWasm(opts.wasm); // registered as engine.backends 'wasm'
  warmUp(be); // once per backend
  if (!engine.backends.has('cpu')) engine.backends.set('cpu', new CpuBackend());
  engine.defaultBackend = be;
  return { backend: be, reason, wasm: be.info };
}

/** Make an initialised backend the default. */
export function setBackend(name: BackendName): void {
  engine.defaultBackend = engine.backend(name);
}

export function getBackend(name?: BackendName): Backend {
  return engine.backend(name);
}
