// Kernel authoring (README "Adding a kernel"): declare a kernel, implement it per backend, run it from an op
// and give it a gradient — from this package or from another one.
export type { GradientRule } from './autograd/gradients.js';
export { registerGradient } from './autograd/gradients.js';
export { noGrad } from './autograd/tape.js';
export type { Backend, Storage } from './backend/backend.js';
export type { WasmInfo, WasmOptions } from './backend/wasm/backend.js';
export type { WebGpuBackend } from './backend/webgpu/backend.js';
export type { AcquireOptions, DawnBackend, GpuInfo, GpuRuntime } from './backend/webgpu/device.js';
export { acquireGpu, formatGpuInfo, NoAdapterError } from './backend/webgpu/device.js';
export { waitStats } from './backend/webgpu/wait.js';
export type { Binding, Program, UniformField } from './backend/webgpu/wgsl.js';
export { grid } from './backend/webgpu/wgsl.js';
export type { KernelProfile } from './dispatch.js';
export { profileKernels } from './dispatch.js';
export type { DType } from './dtype.js';
export { matmulTuning, waitTuning } from './flags.js';
export type { BackendName, InitOptions, InitResult } from './init.js';
export { getBackend, init, setBackend } from './init.js';
export type { Kernel, KernelDeclaration, KernelImpl, OutputSpec } from './kernels/define.js';
export { defineKernel } from './kernels/define.js';
export type { Attrs, KernelFn } from './kernels/registry.js';
export { listKernels, registerKernel } from './kernels/registry.js';
export { dispatchProgram } from './kernels/webgpu/program.js';
// Declared in a chunk shared with the Tensor methods, where the d.ts bundler would turn it into a value if
// re-exported through the `ops` namespace: exported here instead.
export type { CumsumOptions } from './ops/cumsum.js';
export * as ops from './ops/index.js';
export { getRngState, manualSeed, rand, randn, setRngState } from './ops/random.js';
export { keep, memoryStats, scope, tidy } from './scope.js';
export type { TensorOptions } from './tensor.js';
export { arange, empty, full, ones, Tensor, tensor, zeros } from './tensor.js';
