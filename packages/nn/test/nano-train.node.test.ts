// The nano-model training-step benchmark (bench/nano-train.mjs) in --quick mode: the same model, seed and
// batch give the same losses on the WASM and WebGPU backends, and a few AdamW steps lower the loss. Not a
// timing test (the bench script reports the speeds).
import { describe, expect, it } from 'vitest';
import { QUICK, trainSteps } from '../bench/nano-train.mjs';

interface Row {
  backend: string;
  params: number;
  ms: number;
  losses: number[];
}

describe('nano LM training step (bench/nano-train.mjs --quick)', () => {
  it('WASM and WebGPU agree step by step, and the loss falls', { timeout: 300_000 }, async () => {
    const wasm: Row = await trainSteps('wasm', QUICK, 4);
    const gpu: Row = await trainSteps('webgpu', QUICK, 4);
    expect(wasm.params).toBe(gpu.params);
    expect(wasm.losses.length).toBe(6);
    // the first loss of an untrained model is about ln(vocab)
    expect(Math.abs(wasm.losses[0] - Math.log(QUICK.vocab))).toBeLessThan(0.3);
    wasm.losses.forEach((l, i) => {
      expect(Math.abs(l - gpu.losses[i]), `step ${i}: wasm ${l}, webgpu ${gpu.losses[i]}`).toBeLessThan(
        2e-4 * (i + 1),
      );
    });
    expect(wasm.losses[5]).toBeLessThan(wasm.losses[0] - 0.05);
    expect(wasm.ms).toBeGreaterThan(0);
  });
});
