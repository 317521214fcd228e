export { acquireGpu, formatGpuInfo, NoAdapterError } from './backend/webgpu/device.js';
export type { AcquireOptions, DawnBackend, GpuInfo, GpuRuntime } from './backend/webgpu/device.js';
