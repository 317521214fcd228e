// Adaptive wait for a Dawn promise. While a promise is pending, dawn.node polls with setImmediate and
// the main thread spins a whole core, which lavapipe's workers need (PERF-NOTES). So: yield briefly
// (fast wake-up for tiny jobs), then sleep in 1 ms slices with one yield each so Dawn can deliver.
const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
const sleeper = typeof SharedArrayBuffer !== 'undefined' ? new Int32Array(new SharedArrayBuffer(4)) : null;

export const waitStats = { waits: 0, sleeps: 0 };

export async function gpuWait<T>(p: Promise<T>, spinMs = 0.5): Promise<T> {
  if (!isNode || !sleeper) return p;
  waitStats.waits++;
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  const t0 = performance.now();
  const yieldOnce = () => new Promise<void>((r) => setImmediate(r));
  while (!done && performance.now() - t0 < spinMs) await yieldOnce();
  while (!done) {
    Atomics.wait(sleeper, 0, 0, 1);
    waitStats.sleeps++;
    await yieldOnce();
  }
  return q;
}
