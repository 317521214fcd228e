// Every tuning and debug knob in one place. Each is a mutable object so a benchmark or a test can compare
// settings in one process; the kernels read them when they dispatch. Environment variables (Node) give the
// start values where noted. matmulTuning and waitTuning are exported from the package root.
import type { MatmulVariant } from './programs/matmul-regblock.js';

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;

/**
 * WebGPU row kernels (softmax, norms, cross-entropy; kernels/webgpu/rowreduce.ts): lanes per row, 0 to
 * choose by row length and adapter. Env UNIF2ACE_ROW_WG sets it (benchmarks, bisecting). The size is part
 * of every pipeline key.
 */
export const rowKnobs = { wg: Number(env?.UNIF2ACE_ROW_WG ?? 0) };

/** WebGPU matmul (kernels/webgpu/matmul.ts), for benchmarks and tests: force a variant, or packing of A (null: choose by layout and size). */
export const matmulTuning: { force: MatmulVariant | null; pack: boolean | null } = {
  force: null,
  pack: null,
};

/**
 * WebGPU conv2d (kernels/webgpu/conv2d.ts) register-block sizes. Measured on lavapipe as process CPU time (the machine was shared, so wall time
 * was noise), N=2..4, 64->64, 32x32: forward 8 out-channels x 8 pixels ≈ 4x8 > 4x4 > 8x4 > 16x4; dgrad
 * 4 channels x 8 pixels for 3x3 but 8x8 for 1x1, and 16 pixels (8 output columns) at stride 2; wgrad
 * 8 out x 4 in channels x 4 pixels for 3x3, 8 x 8 x 1 for 1x1 (the accumulators, OB·CB·KW, want to
 * stay near 64: past that they spill). A field set here overrides the choice (benchmarks use it).
 */
export const convTuning: Partial<
  Record<
    'fwdOB' | 'fwdPB' | 'dgradCB' | 'dgradPB' | 'wgradOB' | 'wgradCB' | 'wgradPB' | 'wgradTarget',
    number
  >
> = {};

/**
 * The adaptive GPU wait (backend/webgpu/wait.ts). spinMs: yield-only phase; minSleepMs..maxSleepMs: the sleep slice, growing as waited/`growth`.
 * Measured 2026-11-25 with bench/wait.mjs on lavapipe (2 vCPUs shared with other jobs, load ~13, so
 * ±40 % noise; configurations interleaved, medians of 3 rounds; ms per job):
 *   job:                                      tiny (1 dispatch + read 1 KiB) | 8 dispatches + sync | 384² matmul + sync
 *   pure yield-spin (old behaviour)           1.02                           | 1.74                | 112.6
 *   spin 0    ms, sleep 1 ms                  1.99                           | 2.22                |  67.9
 *   spin 0.5  ms, sleep 1 ms                  1.64 / 2.42                    | 3.29 / 4.61         |  93.6 / 44.3
 *   spin 1    ms, sleep 1 ms                  1.73                           | 5.12                |  58.0
 *   spin 2    ms, sleep 1 ms  (chosen)        0.52 / 1.33                    | 1.97 / 4.65         |  68.2 / 49.0
 *   spin 3    ms, sleep 1 ms                  1.98                           | 4.39                |  83.8
 *   spin 2, sleep 0.25→2 ms (waited/8)        1.33                           | 4.20                |  81.9
 *   spin 0.2, sleep 0.05→1 ms (waited/4)      1.14                           | 2.65                |  78.5
 * Spinning through a long job costs it ~1.6× (the spinning thread takes a core from lavapipe); a 2 ms spin
 * catches most tiny round trips (their GPU time is < 1 ms), after which 1 ms sleeps cost a long job
 * nothing measurable. Growing slices showed no gain beyond the noise, so min = max = 1 ms by default.
 */
const DEFAULTS = { spinMs: 2, minSleepMs: 1, maxSleepMs: 1, growth: 8 };

export const waitTuning = { ...DEFAULTS };
