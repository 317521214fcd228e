// Adaptive wait for a Dawn promise. While a promise is pending, dawn.node polls with setImmediate and
// the main thread spins a whole core, which lavapipe's workers need (PERF-NOTES). So: yield briefly
// (fast wake-up for tiny jobs), then sleep in slices with one yield each so Dawn can deliver; the slice
// grows with the time already waited (a job that has run 10 ms will not finish in the next 50 µs).
// waitTuning can be changed at run time (bench/wait.mjs sweeps it); the measurements are on DEFAULTS.
const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
const sleeper = typeof SharedArrayBuffer !== 'undefined' ? new Int32Array(new SharedArrayBuffer(4)) : null;

export const waitStats = { waits: 0, sleeps: 0 };

/**
 * spinMs: yield-only phase; minSleepMs..maxSleepMs: the sleep slice, growing as waited/`growth`.
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

export async function gpuWait<T>(p: Promise<T>, spinMs = waitTuning.spinMs): Promise<T> {
  if (!isNode || !sleeper) return p;
  waitStats.waits++;
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  const t0 = performance.now();
  const yieldOnce = () => new Promise<void>((r) => setImmediate(r));
  while (!done && performance.now() - t0 < spinMs) await yieldOnce();
  const { minSleepMs, maxSleepMs, growth } = waitTuning;
  while (!done) {
    const waited = performance.now() - t0;
    Atomics.wait(sleeper, 0, 0, Math.min(maxSleepMs, Math.max(minSleepMs, waited / growth)));
    waitStats.sleeps++;
    await yieldOnce();
  }
  return q;
}
