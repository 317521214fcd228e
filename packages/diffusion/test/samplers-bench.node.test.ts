// The sampler benchmark (bench/samplers.mjs) at a small size: it runs, measures every case, and frees
// its tensors. Timings are not asserted (benchmarks are scripts, not timed tests).
import { memoryStats } from '@unif2ace/tensor';
import { describe, expect, it } from 'vitest';
import { run } from '../bench/samplers.mjs';

describe('bench/samplers.mjs', () => {
  it('measures the denoiser alone and the three sampler cases per length', async () => {
    const { rows, backend } = await run({ lengths: [16], repeats: 1 });
    expect(backend).toBe('wasm');
    expect(rows.map((r) => r.name)).toEqual([
      'denoiser only',
      'maskgit (18 steps)',
      'maskgit cfg 3 (18 steps)',
      'sedd (64 steps)',
    ]);
    for (const r of rows) expect(r.msPerStep).toBeGreaterThan(0);
    expect(memoryStats().liveTensors).toBe(0);
  });
});
