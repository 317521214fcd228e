// Kernel registry: (kernel name, backend name) -> implementation, like tfjs's registerKernel.
// Ops call runKernel(name, inputs, attrs); the inputs' backend picks the implementation.
import type { Tensor } from '../tensor.js';

export type Attrs = Record<string, unknown>;
export type KernelFn = (inputs: Tensor[], attrs: Attrs) => Tensor | Tensor[];

const kernels = new Map<string, KernelFn>();

export function registerKernel(name: string, backend: string, fn: KernelFn): void {
  kernels.set(`${backend}/${name}`, fn);
}

/** Per backend: makes a stand-in for a kernel it lacks (the WASM backend runs the CPU kernel), or null. */
const fallbacks = new Map<string, (name: string) => KernelFn | null>();

/**
 * Let `backend` stand in for kernels registered without an implementation for it (kernels registered
 * after init, e.g. by another package); the stand-in is registered on first use.
 */
export function setKernelFallback(backend: string, make: (name: string) => KernelFn | null): void {
  fallbacks.set(backend, make);
}

export function getKernel(name: string, backend: string): KernelFn {
  let k = kernels.get(`${backend}/${name}`);
  if (!k) {
    const stand = fallbacks.get(backend)?.(name);
    if (!stand) throw new Error(`kernel '${name}' is not registered for backend '${backend}'`);
    kernels.set(`${backend}/${name}`, stand);
    k = stand;
  }
  return k;
}

export function hasKernel(name: string, backend: string): boolean {
  return kernels.has(`${backend}/${name}`);
}

export function listKernels(backend?: string): string[] {
  return [...kernels.keys()].filter((k) => !backend || k.startsWith(`${backend}/`)).sort();
}
