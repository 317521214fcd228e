// Row-parallel runs for the WASM row kernels (softmax, norm, loss): rows are independent, so thread t of
// T takes the contiguous range [r0, r1) and results are the same for any thread count.
import type { WasmBackend } from '../../backend/wasm/backend.js';

/** Below this many elements a row kernel runs on the calling thread alone (a pool job costs ~10-20 µs). */
export const ROWS_PARALLEL_MIN = 1 << 15;

/** Threads for `rows` rows of `work` elements in all: 1 without a pool or below ROWS_PARALLEL_MIN. */
export function rowThreads(be: WasmBackend, rows: number, work: number): number {
  return be.pool && work >= ROWS_PARALLEL_MIN ? Math.max(1, Math.min(be.pool.threads, rows)) : 1;
}

/** [r0, r1) of thread t when `rows` rows are cut into T ranges. */
export function rowRange(rows: number, T: number, t: number): [number, number] {
  const per = Math.ceil(rows / T);
  return [Math.min(rows, t * per), Math.min(rows, (t + 1) * per)];
}

/**
 * Run export `name` ("family.export") over rows [0, rows) on T threads: `args(r0, r1)` gives one
 * thread's arguments, `call` runs them on this thread. Returns T (1 when it ran here alone).
 */
export function runRows(
  be: WasmBackend,
  name: string,
  rows: number,
  work: number,
  args: (r0: number, r1: number) => number[],
  call: (a: number[]) => void,
  floats = 0,
): number {
  const T = rowThreads(be, rows, work);
  if (T === 1) call(args(0, rows));
  else be.pool!.run(name, (t) => args(...rowRange(rows, T, t)), call, floats);
  return T;
}
