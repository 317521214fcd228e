// Adaptive wait for a Dawn promise. While a promise is pending, dawn.node polls with setImmediate and
// the main thread spins a whole core, which lavapipe's workers need (docs/architecture.md, performance notes). So: yield briefly
// (fast wake-up for tiny jobs), then sleep in slices with one yield each so Dawn can deliver; the slice
// grows with the time already waited (a job that has run 10 ms will not finish in the next 50 µs).
// waitTuning (flags.ts) can be changed at run time (bench/wait.mjs sweeps it).
import { waitTuning } from '../../flags.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
const sleeper = typeof SharedArrayBuffer !== 'undefined' ? new Int32Array(new SharedArrayBuffer(4)) : null;

export const waitStats = { waits: 0, sleeps: 0 };

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
