// init(): acquire the device and make a backend the default. Kernels register on import.
import './backend/cpu/elementwise.js';
import './backend/cpu/reduce.js';
import './backend/cpu/matmul.js';
import './backend/cpu/gather.js';
import './backend/cpu/conv.js';
import './kernels/webgpu/elementwise.js';
import './kernels/webgpu/reduce.js';
import './kernels/webgpu/matmul.js';
import './kernels/webgpu/gather.js';
import './kernels/webgpu/conv2d.js';
import './kernels/webgpu/pool.js';
import type { Backend } from './backend/backend.js';
import { CpuBackend } from './backend/cpu/backend.js';
import { WebGpuBackend } from './backend/webgpu/backend.js';
import { type AcquireOptions, acquireGpu, type GpuInfo } from './backend/webgpu/device.js';
import { engine } from './engine.js';

export type BackendName = 'webgpu' | 'cpu';

export interface InitOptions extends Omit<AcquireOptions, 'backend'> {
  /** Default: 'webgpu'. 'cpu' is the plain-TS reference (slow; for tests and checking). */
  backend?: BackendName;
  /** Node only: Dawn's backend (default env UNIF2ACE_WEBGPU_BACKEND, else vulkan). */
  dawnBackend?: AcquireOptions['backend'];
  /** Dispatches per submit (default 64). */
  batchSize?: number;
}

export interface InitResult {
  backend: Backend;
  gpu?: GpuInfo;
}

let gpuInit: Promise<WebGpuBackend> | null = null;

/** Acquire the WebGPU device (once) and make the chosen backend the default for new tensors. */
export async function init(opts: InitOptions = {}): Promise<InitResult> {
  const which = opts.backend === 'cpu' ? 'cpu' : 'webgpu';
  if (which === 'cpu') {
    let cpu = engine.backends.get('cpu');
    if (!cpu) engine.backends.set('cpu', (cpu = new CpuBackend()));
    engine.defaultBackend = cpu;
    return { backend: cpu };
  }
  if (!gpuInit) {
    gpuInit = acquireGpu({ ...opts, backend: opts.dawnBackend }).then((rt) => new WebGpuBackend(rt, { batchSize: opts.batchSize }));
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

/** Make an initialised backend the default. */
export function setBackend(name: BackendName): void {
  engine.defaultBackend = engine.backend(name);
}

export function getBackend(name?: BackendName): Backend {
  return engine.backend(name);
}
