// Test support for the WebGPU row kernels (softmax, norms, cross-entropy): the same checks with the
// lanes per row forced to 64 and 256, the widths GPUs pick, instead of this adapter's choice.
import { describe, it } from 'vitest';
import { rowKnobs } from '../kernels/webgpu/rowreduce.js';
import type { Tensor } from '../tensor.js';
import { compareBackends, DEVICE } from './index.js';

/** WebGPU only (the other backends have no lane width): `build(shape)` on each shape vs the CPU reference. */
export function describeRowLaneCounts(
  shapes: number[][],
  build: (shape: number[]) => Tensor[],
  tol: { atol: number; rtol: number },
): void {
  if (DEVICE !== 'webgpu') return;
  describe("GPU lane counts other than this adapter's choice (64 and 256 lanes, as on GPUs)", () => {
    for (const wg of [64, 256]) {
      it(`${wg} lanes per row`, async () => {
        rowKnobs.wg = wg;
        try {
          for (const shape of shapes)
            await compareBackends(() => build(shape), { ...tol, label: `[${shape.join(', ')}]` });
        } finally {
          rowKnobs.wg = 0;
        }
      });
    }
  });
}
