// Bringing up the WASM backend (once per process): compile, start the worker threads, register the CPU
// fallbacks for kernels without a WASM version, register the backend. The warm-up runs ops, so it sits
// above them (warmup.ts, called by init()).
import { engine } from '../../engine.js';
import { hasKernel, setKernelFallback } from '../../kernels/registry.js';
import { cpuOnWasm, registerWasmFallbacks } from '../../kernels/wasm/fallback.js';
import { WasmBackend, type WasmOptions } from './backend.js';

let wasmInit: Promise<WasmBackend> | null = null;

/** The process's WASM backend (options apply to the first call only). */
export function initWasm(opts: WasmOptions = {}): Promise<WasmBackend> {
  if (!wasmInit) {
    wasmInit = WasmBackend.create(opts).then((be) => {
      be.info.fallbacks = registerWasmFallbacks();
      // kernels registered later (another package's) fall back the same way, on first use
      setKernelFallback('wasm', (name) => (hasKernel(name, 'cpu') ? cpuOnWasm(name) : null));
      engine.backends.set('wasm', be);
      return be;
    });
    wasmInit.catch(() => {
      wasmInit = null;
    });
  }
  return wasmInit;
}
