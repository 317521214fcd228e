// Acquires a WebGPU adapter and device, the same way in Node (Dawn, via the `webgpu` package) and in a
// browser (navigator.gpu), and reports what it found. Everything in the project gets its GPU from here.

import { withQuietNativeStderr } from './quiet-stderr.js';

export type DawnBackend = 'vulkan' | 'opengl' | 'opengles' | 'metal' | 'd3d12' | 'd3d11' | 'null';

export interface AcquireOptions {
  /** Node only. Defaults to env UNIF2ACE_WEBGPU_BACKEND, else 'vulkan' (Linux). */
  backend?: DawnBackend;
  powerPreference?: GPUPowerPreference;
  /** Ask for a fallback (software) adapter, or refuse one. Default: take what is offered. */
  forceFallbackAdapter?: boolean;
}

export interface GpuInfo {
  runtime: 'node-dawn' | 'browser';
  /** The backend that was asked for (Node), or 'browser'. */
  backend: string;
  adapterName: string;
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
  featureLevel: 'core' | 'compatibility';
  features: { shaderF16: boolean; subgroups: boolean; timestampQuery: boolean; all: string[] };
  limits: Record<string, number>;
}

export interface GpuRuntime {
  device: GPUDevice;
  adapter: GPUAdapter;
  info: GpuInfo;
}

export class NoAdapterError extends Error {
  override name = 'NoAdapterError';
}

const BACKENDS: readonly DawnBackend[] = ['vulkan', 'opengl', 'opengles', 'metal', 'd3d12', 'd3d11', 'null'];
const WANTED_FEATURES: GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];
// Limits worth raising to the adapter's maximum: defaults cap buffers at 256 MiB and bindings at 128 MiB.
const RAISED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

// dawn.node stops delivering events (every mapAsync hangs) once its `create()` result is collected:
// keep each one for the life of the process.
const dawnInstances: unknown[] = [];

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

function envBackend(): DawnBackend | undefined {
  const v = isNode ? process.env.UNIF2ACE_WEBGPU_BACKEND : undefined;
  if (!v) return undefined;
  if (!(BACKENDS as readonly string[]).includes(v)) {
    throw new Error(
      `UNIF2ACE_WEBGPU_BACKEND='${v}' is not a Dawn backend; use one of: ${BACKENDS.join(', ')}`,
    );
  }
  return v as DawnBackend;
}

async function nodeGpu(backend: DawnBackend): Promise<GPU> {
  if ((backend === 'opengl' || backend === 'opengles') && !process.env.EGL_PLATFORM) {
    // Without a display, Mesa's EGL needs the surfaceless platform; it reads this at first use.
    process.env.EGL_PLATFORM = 'surfaceless';
  }
  const specifier = 'webgpu';
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = await import(/* @vite-ignore */ specifier);
  } catch (e) {
    throw new NoAdapterError(
      `Cannot load Dawn (the 'webgpu' npm package): ${(e as Error).message}. Install it next to @unif2ace/tensor ` +
        '(npm install webgpu), or run tools/setup in the repository.',
    );
  }
  // WebGPU constants (GPUBufferUsage, GPUShaderStage, …) are browser globals; Dawn provides them.
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const gpu = mod.create([`backend=${backend}`]);
  dawnInstances.push(gpu);
  return gpu;
}

function explainMissing(backend: DawnBackend): string {
  const fix =
    'Run tools/setup (or the README test command once), which installs Mesa lavapipe from bookworm-backports; ' +
    'or try UNIF2ACE_WEBGPU_BACKEND=opengl (with EGL_PLATFORM=surfaceless).';
  if (backend !== 'vulkan') {
    return `no adapter for the forced backend '${backend}' (UNIF2ACE_WEBGPU_BACKEND): it is absent on ${
      isNode ? process.platform : 'this platform'
    } or has no driver. Unset UNIF2ACE_WEBGPU_BACKEND to use Vulkan.`;
  }
  return `no usable Vulkan driver (Dawn found no adapter; Mesa older than 24, such as bookworm's 22.x, is rejected). ${fix}`;
}

/** Returns the GPU device plus what was found; throws NoAdapterError saying why and how to fix it. */
export async function acquireGpu(options: AcquireOptions = {}): Promise<GpuRuntime> {
  let gpu: GPU;
  let backend: string;
  if (!isNode) {
    if (typeof navigator === 'undefined' || !navigator.gpu) {
      throw new NoAdapterError(
        'navigator.gpu is missing: this browser has no WebGPU, or the page is not a secure context ' +
          '(use https or http://localhost). Chromium: start with --enable-unsafe-webgpu on Linux.',
      );
    }
    gpu = navigator.gpu;
    backend = 'browser';
  } else {
    const b = options.backend ?? envBackend() ?? 'vulkan';
    gpu = await nodeGpu(b);
    backend = b;
  }
  const compat = backend === 'opengl' || backend === 'opengles';
  const request = () =>
    gpu.requestAdapter({
      powerPreference: options.powerPreference,
      forceFallbackAdapter: options.forceFallbackAdapter,
      ...(compat ? { featureLevel: 'compatibility' } : {}),
    } as GPURequestAdapterOptions);
  // Dawn prints its start-up notices synchronously inside the first call (see quiet-stderr.ts).
  const adapter = await (isNode ? await withQuietNativeStderr(request) : request());
  if (!adapter) {
    throw new NoAdapterError(
      isNode
        ? explainMissing(backend as DawnBackend)
        : 'navigator.gpu.requestAdapter() returned null: WebGPU is disabled or blocklisted here.',
    );
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const k of RAISED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const ai = adapter.info ?? ({} as GPUAdapterInfo);
  const limits: Record<string, number> = {};
  for (const k in device.limits) {
    const v = (device.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') limits[k] = v;
  }
  const all = [...device.features].map(String).sort();
  const info: GpuInfo = {
    runtime: isNode ? 'node-dawn' : 'browser',
    backend,
    adapterName: ai.device || ai.description || ai.architecture || ai.vendor || 'unknown',
    vendor: ai.vendor ?? '',
    architecture: ai.architecture ?? '',
    description: ai.description ?? '',
    isFallbackAdapter:
      (ai as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      false,
    featureLevel: all.includes('core-features-and-limits') ? 'core' : 'compatibility',
    features: {
      shaderF16: all.includes('shader-f16'),
      subgroups: all.includes('subgroups'),
      timestampQuery: all.includes('timestamp-query'),
      all,
    },
    limits,
  };
  return { device, adapter, info };
}

/** One line per fact, for `pnpm gpu-info` and logs. */
export function formatGpuInfo(info: GpuInfo): string {
  const f = info.features;
  const l = info.limits;
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  return [
    `adapter:   ${info.adapterName}${info.description ? ` (${info.description})` : ''}`,
    `vendor:    ${info.vendor || '-'} / ${info.architecture || '-'}${info.isFallbackAdapter ? ' [software fallback]' : ''}`,
    `runtime:   ${info.runtime}, backend ${info.backend}, feature level ${info.featureLevel}`,
    `features:  shader-f16 ${f.shaderF16 ? 'yes' : 'no'}, subgroups ${f.subgroups ? 'yes' : 'no'}, timestamp-query ${
      f.timestampQuery ? 'yes' : 'no'
    }`,
    `limits:    maxBufferSize ${mib(l.maxBufferSize)}, maxStorageBufferBindingSize ${mib(
      l.maxStorageBufferBindingSize,
    )}, workgroup storage ${l.maxComputeWorkgroupStorageSize} B, invocations/workgroup ${
      l.maxComputeInvocationsPerWorkgroup
    }, workgroups/dim ${l.maxComputeWorkgroupsPerDimension}`,
  ].join('\n');
}
