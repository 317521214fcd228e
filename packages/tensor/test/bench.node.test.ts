// Proves the benchmark harness (bench/harness.mjs, behind `pnpm bench`) runs end to end in --quick mode:
// every column it can fill here is filled with a positive number, and the table renders. Not a timing test.
// PyTorch is the one optional column: CI machines may lack Debian's python3-torch (then it is skipped, said so).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'pipe' }).status === 0;

describe('bench harness (--quick)', () => {
  it('runs every system on the smallest sizes and prints the table', { timeout: 600_000 }, async () => {
    if (!hasTorch) console.warn('bench test: python3-torch is missing here, the PyTorch column is skipped');
    const { formatBench, runBench } = await import('../bench/harness.mjs');
    const logs: string[] = [];
    const r = await runBench({ quick: true, log: (s: string) => logs.push(s) });
    expect(r.probe.gflops).toBeGreaterThan(0);
    expect(r.matmul.length).toBeGreaterThan(0);
    for (const m of r.matmul) {
      expect(m.ours, `ours ${m.dtype} ${m.n}`).toBeGreaterThan(0);
      if (m.dtype === 'f32') expect(m.tfjs, `tfjs ${m.n}: ${logs.join('\n')}`).toBeGreaterThan(0);
      expect(m.ort, `onnxruntime ${m.dtype} ${m.n}: ${logs.join('\n')}`).toBeGreaterThan(0);
      if (hasTorch && m.dtype === 'f32')
        expect(m.torch, `torch ${m.n}: ${logs.join('\n')}`).toBeGreaterThan(0);
    }
    expect(r.block?.dispatches).toBeGreaterThan(0);
    const table = formatBench(r);
    expect(table).toMatch(/\| f32 \| 64 \|/);
    expect(table).toMatch(/dispatches/);
    // the WASM rows: every variant and its ratio to the WGSL matmul of the same run
    const ratios = (r.wasm?.rows ?? []).filter((x) => x.ratio !== undefined);
    expect(ratios.length).toBeGreaterThanOrEqual(4);
    for (const x of ratios) expect(x.ratio, x.name).toBeGreaterThan(0);
    expect(table).toMatch(/WASM SIMD backend/);
  });
});
