// init(): acquire the device and make a backend the default. Kernels register on import.
import './backend/cpu/elementwise.js';
import './backend/cpu/reduce.js';
import './backend/cpu/matmul.js';
import './backend/cpu/gather.js';
import './backend/cpu/attention.js';
import './backend/cpu/random.js';
import './backend/cpu/topk.js';
import './backend/cpu/adamw.js';
import './backend/cpu/conv.js';
import './backend/cpu/softmax.js';
import './backend/cpu/norm.js';
import './backend/cpu/loss.js';
import './backend/cpu/embedding.js';
import './backend/cpu/grouped.js';
import './kernels/webgpu/elementwise.js';
import './kernels/webgpu/reduce.js';
import './kernels/webgpu/matmul.js';
import './kernels/webgpu/gather.js';
import './kernels/webgpu/attention.js';
import './kernels/webgpu/random.js';
import './kernels/webgpu/topk.js';
import './kernels/webgpu/adamw.js';
import './kernels/webgpu/conv2d.js';
import './kernels/webgpu/pool.js';
import './kernels/webgpu/softmax.js';
import './kernels/webgpu/norm.js';
import './kernels/webgpu/loss.js';
import './kernels/webgpu/embedding.js';
import './kernels/webgpu/grouped.js';
import './kernels/wasm/matmul.js';
import './kernels/wasm/softmax.js';
import './kernels/wasm/adamw.js';
import './kernels/wasm/norm.js';
import './kernels/wasm/conv2d.js';
import './kernels/wasm/random.js';
import './kernels/wasm/pool.js';
import './kernels/wasm/topk.js';
import './kernels/wasm/attention.js';
import './kernels/wasm/loss.js';
import './kernels/wasm/gather.js';
import './kernels/wasm/embedding.js';
import './kernels/wasm/elementwise.js';
import './kernels/wasm/reduce.js';
import './kernels/wasm/grouped.js';
import type { Backend } from './backend/backend.js';
import { CpuBackend } from './backend/cpu/backend.js';
import type { WasmInfo, WasmOptions } from './backend/wasm/backend.js';
import { initWasm, softwareAdapter } from './backend/wasm/init.js';
import { WebGpuBackend } from './backend/webgpu/backend.js';
import { type AcquireOptions, acquireGpu, type GpuInfo } from './backend/webgpu/device.js';
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
