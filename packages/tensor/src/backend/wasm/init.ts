// Bringing up the WASM backend (once per process): compile, start the worker pool, register the CPU
// fallbacks for kernels without a WASM version, warm the matmul up. And the `auto` policy's test for a
// software WebGPU adapter.
import { registerWasmFallbacks } from '../../kernels/wasm/fallback.js';
import { gemmInto } from '../../kernels/wasm/matmul.js';
import type { GpuInfo } from '../webgpu/device.js';
import { WasmBackend, type WasmOptions } from './backend.js';

let wasmInit: Promise<WasmBackend> | null = null;

/** The process's WASM backend (options apply to the first call only). */
export function initWasm(opts: WasmOptions = {}): Promise<WasmBackend> {
  if (!wasmInit) {
    wasmInit = WasmBackend.create(opts).then((be) => {
      be.info.fallbacks = registerWasmFallbacks();
      warmUp(be);
      return be;
    });
    wasmInit.catch(() => {
      wasmInit = null;
    });
  }
  return wasmInit;
}

/**
 * V8 runs a wasm function's first calls in its baseline compiler (Liftoff, ~4 GFLOP/s on matmul) and
 * tiers up to TurboFan in the background: run the kernels a few times, on every thread, at init.
 */
function warmUp(be: WasmBackend): void {
  const n = 128;
  const buf = be.scratch(3 * n * n * 4);
  const ap = be.scratch(n * n * 4);
  const bp = be.scratch(n * n * 4);
  try {
    const a = { ptr: buf.ptr, rs: n, cs: 1 };
    const b = { ptr: buf.ptr + n * n * 4, rs: n, cs: 1 };
    for (let i = 0; i < 8; i++)
      gemmInto(be, a, b, n, n, n, buf.ptr + 2 * n * n * 4, n, { ap: ap.ptr, bp: bp.ptr });
  } finally {
    be.freeScratch(bp);
    be.freeScratch(ap);
    be.freeScratch(buf);
  }
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|\bwarp\b/i;

/** Why this adapter is a software renderer, or null for hardware. */
export function softwareAdapter(info: GpuInfo): string | null {
  const name = info.adapterName || info.description || info.vendor;
  if (info.isFallbackAdapter) return `WebGPU adapter '${name}' is a software fallback (isFallbackAdapter)`;
  const text = [info.adapterName, info.description, info.vendor, info.architecture].join(' ');
  const m = SOFTWARE.exec(text);
  if (m) return `WebGPU adapter '${name}' is a software renderer (${m[0]})`;
  return null;
}
