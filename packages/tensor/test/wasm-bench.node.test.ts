// Proves bench/wasm.mjs runs end to end on a tiny matmul size: every WASM variant (1/2 threads, SIMD128 and
// relaxed-SIMD FMA) and the WGSL matmul give positive numbers, the ratio rows exist, the kernel rows
// (fixed sizes) are there for WASM, the CPU reference and WGSL, and the table renders. Not a timing test.
// Needs dist/ (turbo runs `build` before `test`).
import { describe, expect, it } from 'vitest';

describe('bench/wasm.mjs (tiny sizes)', () => {
  it('runs every variant and the WGSL baseline, and prints the table', { timeout: 300_000 }, async () => {
    const { format, run } = await import('../bench/wasm.mjs');
    const rows = await run({ sizes: [64], reps: 2, log: () => {} });
    const names = rows.map((r) => r.name);
    for (const v of [
      'wasm simd128 1 thread',
      'wasm simd128 2 threads',
      'wasm fma 1 thread',
      'wasm fma 2 threads',
    ]) {
      const r = rows.find((x) => x.name === v);
      expect(r?.gflops, v).toBeGreaterThan(0);
      expect(r?.cpuGflops, v).toBeGreaterThan(0);
      expect(names).toContain(`${v} / wgsl`);
    }
    expect(rows.find((r) => r.name.startsWith('wgsl matmul'))?.gflops).toBeGreaterThan(0);
    expect(format(rows)).toMatch(/wasm simd128 2 threads \/ wgsl\s+\d+\.\d+×/);
    const kernelRows = rows.filter((r) => r.n === undefined);
    for (const op of [
      'attention',
      'conv2d',
      'cross-entropy',
      'layerNorm',
      'embedding backward',
      'gelu',
      'random',
    ]) {
      for (const who of ['wasm fma 2 threads', 'CPU reference', 'wgsl']) {
        const r = kernelRows.filter((x) => x.name.startsWith(op) && x.name.includes(who));
        expect(r.length, `${op} / ${who}`).toBeGreaterThan(0);
        for (const x of r) expect(x.ms, x.name).toBeGreaterThan(0);
      }
    }
  });
});
