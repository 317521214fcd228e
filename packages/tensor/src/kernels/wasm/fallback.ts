// Every kernel without a WASM implementation runs the CPU reference kernel on the WASM memory: a WASM
// storage's handle is a typed array over its bytes, shaped like the CPU backend's, so the CPU kernel reads
// its inputs in place. Its outputs are made by the CPU backend (it allocates with `empty(..., 'cpu')`) and
// copied onto the WASM heap afterwards: one copy of the outputs, explicit, and no engine state changed
// while the kernel runs. (The hot kernels all have WASM versions; init()'s wasm.fallbacks lists any that
// do not, and the WASM kernels hand back only cases their WebAssembly does not cover.)
import type { WasmBackend } from '../../backend/wasm/backend.js';
import type { WasmStorage } from '../../backend/wasm/memory.js';
import type { HostArray } from '../../dtype.js';
import { engine } from '../../engine.js';
import { Tensor } from '../../tensor.js';
import { type Attrs, getKernel, hasKernel, type KernelFn, listKernels, registerKernel } from '../registry.js';

function toWasm(be: WasmBackend, t: Tensor): Tensor {
  if (t.backend === be) return t;
  // the CPU storage's handle is its host array; copy it whole (views keep their offsets and strides)
  const src = t.storage.handle as HostArray;
  const s = be.alloc(src.length, t.dtype) as WasmStorage;
  s.handle.set(src);
  const out = new Tensor(s, t.shape, t.strides, t.offset, t.dtype);
  t.dispose();
  return out;
}

/** The CPU kernel `name`, run on WASM tensors. */
export function cpuOnWasm(name: string): KernelFn {
  const cpu = getKernel(name, 'cpu');
  return (inputs: Tensor[], attrs: Attrs) => {
    const be = (inputs[0]?.backend ?? engine.backend('wasm')) as WasmBackend;
    const r = cpu(inputs, attrs);
    return Array.isArray(r) ? r.map((t) => toWasm(be, t)) : toWasm(be, r);
  };
}

const references = new Map<string, KernelFn>();

/**
 * Run CPU kernel `name` on WASM tensors: where a WASM kernel hands a case back (a dtype or layout its
 * WebAssembly does not cover).
 */
export function runReference(name: string, inputs: Tensor[], attrs: Attrs): Tensor | Tensor[] {
  let f = references.get(name);
  if (!f) {
    f = cpuOnWasm(name);
    references.set(name, f);
  }
  return f(inputs, attrs);
}

/** Register the CPU fallback for every CPU kernel that has no WASM kernel yet. Returns their names. */
export function registerWasmFallbacks(): string[] {
  const added: string[] = [];
  for (const key of listKernels('cpu')) {
    const name = key.slice('cpu/'.length);
    if (hasKernel(name, 'wasm')) continue;
    registerKernel(name, 'wasm', cpuOnWasm(name));
    added.push(name);
  }
  return added;
}
