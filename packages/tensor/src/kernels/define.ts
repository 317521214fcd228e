// Typed kernel declarations (like tfjs's kernel_names.ts, with the output rule beside the name): one
// `defineKernel` per kernel gives its name, its inputs, its attrs' type and the rule that gives the
// output's shape and dtype. Ops run it with `K.run(inputs, attrs)`; each backend implements it with
// `K.implement(backend, fn)`, which gets the attrs typed and the output spec already computed. Both sides
// check the declaration: run() validates the inputs through the output rule and checks what the backend
// returned. Public: another package can declare and implement its own kernels (a fused expert, say)
// without forking this one — see the README's "Adding a kernel".
import { kernel } from '../dispatch.js';
import type { DType } from '../dtype.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { registerKernel } from './registry.js';

/** The shape and dtype of a kernel's output. */
export interface OutputSpec {
  shape: number[];
  dtype: DType;
}

export interface KernelDeclaration<A extends object> {
  /** The registry name (unique across packages: prefix yours, e.g. 'moe.groupedGemm'). */
  name: string;
  /** Input names, in order; a name ending in '?' is optional (it may be absent, only at the end). */
  inputs: readonly string[];
  /**
   * The output's shape and dtype from the inputs and attrs. Throw here, naming the kernel, the input and
   * the rule, for inputs the kernel does not accept: every backend then rejects them the same way.
   */
  output(inputs: Tensor[], attrs: A): OutputSpec;
}

/** A backend's implementation: typed attrs, and the declared output spec (to allocate the output). */
export type KernelImpl<A extends object> = (inputs: Tensor[], attrs: A, out: OutputSpec) => Tensor;

export interface Kernel<A extends object> extends KernelDeclaration<A> {
  /**
   * Run on the inputs' backend (`backend`, else the default, when there are no inputs). Records no
   * gradient: the op that calls it records one with `record()`.
   */
  run(inputs: Tensor[], attrs: A, backend?: string): Tensor;
  /** Register this kernel's implementation for `backend` ('cpu', 'wasm', 'webgpu' or a custom one). */
  implement(backend: string, fn: KernelImpl<A>): void;
}

function checkInputs(decl: KernelDeclaration<object>, inputs: Tensor[]): void {
  const required = decl.inputs.filter((n) => !n.endsWith('?')).length;
  if (inputs.length < required || inputs.length > decl.inputs.length) {
    throw new RangeError(
      `${decl.name}: expects inputs (${decl.inputs.join(', ')}), got ${inputs.length}: ${inputs
        .map((t) => fmtShape(t.shape))
        .join(', ')}`,
    );
  }
}

/** Declare a kernel: its name, inputs, attrs type (the type argument) and output rule. */
export function defineKernel<A extends object>(decl: KernelDeclaration<A>): Kernel<A> {
  return {
    ...decl,
    run(inputs, attrs, backend) {
      checkInputs(decl, inputs);
      const spec = decl.output(inputs, attrs);
      const out = kernel(decl.name, inputs, attrs as Record<string, unknown>, backend);
      if (
        out.dtype !== spec.dtype ||
        out.rank !== spec.shape.length ||
        out.shape.some((d, i) => d !== spec.shape[i])
      ) {
        throw new Error(
          `${decl.name} on ${out.backend.name} returned ${out.dtype} ${fmtShape(out.shape)}; its declaration says ${spec.dtype} ${fmtShape(spec.shape)}`,
        );
      }
      return out;
    },
    implement(backend, fn) {
      registerKernel(decl.name, backend, (inputs, attrs) => {
        const a = attrs as A;
        return fn(inputs, a, decl.output(inputs, a));
      });
    },
  };
}
