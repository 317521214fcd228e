// Kernel registry: (kernel name, backend name) -> implementation, like tfjs's registerKernel.
// Ops call runKernel(name, inputs, attrs); the inputs' backend picks the implementation.
import type { Tensor } from '../tensor.js';

export type Attrs = Record<string, unknown>;
export type KernelFn = (inputs: Tensor[], attrs: Attrs) => Tensor | Tensor[];

const kernels = new Map<string, KernelFn>();

export function registerKernel(name: string, backend: string, fn: KernelFn): void {
  kernels.set(`${backend}/${name}`, fn);
}

export function getKernel(name: string, backend: string): KernelFn {
  const k = kernels.get(`${backend}/${name}`);
  if (!k) throw new Error(`kernel '${name}' is not registered for backend '${backend}'`);
  return k;
}

export function hasKernel(name: string, backend: string): boolean {
  return kernels.has(`${backend}/${name}`);
}

export function listKernels(backend?: string): string[] {
  return [...kernels.keys()].filter((k) => !backend || k.startsWith(`${backend}/`)).sort();
}
