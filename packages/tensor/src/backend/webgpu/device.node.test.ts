import { describe, expect, it } from 'vitest';
import { acquireGpu, NoAdapterError } from './device.js';

describe('acquireGpu in Node', () => {
  it('reports the adapter, backend, features and limits', async () => {
    const { info } = await acquireGpu();
    expect(info.runtime).toBe('node-dawn');
    expect(info.backend).toBe(process.env.UNIF2ACE_WEBGPU_BACKEND ?? 'vulkan');
    expect(typeof info.features.shaderF16).toBe('boolean');
    expect(info.features.all.length).toBeGreaterThan(0);
  });

  it('throws one clear error when the forced backend is absent', async () => {
    // Direct3D 12 does not exist on Linux: the same path a missing Vulkan driver takes.
    const err = await acquireGpu({ backend: 'd3d12' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NoAdapterError);
    expect(String((err as Error).message)).toMatch(/no adapter for the forced backend 'd3d12'/);
    expect(String((err as Error).message)).toMatch(/UNIF2ACE_WEBGPU_BACKEND/);
  });

  it('rejects an unknown backend name in the environment', async () => {
    const old = process.env.UNIF2ACE_WEBGPU_BACKEND;
    process.env.UNIF2ACE_WEBGPU_BACKEND = 'vulcan';
    try {
      await expect(acquireGpu()).rejects.toThrow(/'vulcan' is not a Dawn backend/);
    } finally {
      if (old === undefined) delete process.env.UNIF2ACE_WEBGPU_BACKEND;
      else process.env.UNIF2ACE_WEBGPU_BACKEND = old;
    }
  });

  it('works on the OpenGL compatibility backend too', async () => {
    const { info, device } = await acquireGpu({ backend: 'opengl' });
    expect(info.backend).toBe('opengl');
    expect(device.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThan(0);
  });
});
