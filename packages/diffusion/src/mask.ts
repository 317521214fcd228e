// The absorbing corruption: mask exactly ceil(m(t)·N) positions of each row (at least one), chosen
// uniformly at random. Positions are picked on the host from the seed (Philox keys, lowest k), so the
// same seed masks the same positions on every backend; only the 0/1 mask travels to the device.
import { type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { Philox, Purpose } from './rng.js';
import { getSchedule, lowestK, type MaskSchedule, maskCount, type ScheduleName } from './schedules.js';

export interface MaskTokensOptions {
  /** The id written at masked positions. */
  maskId: number;
  /** Seed of the position choice (use a different one per training step). */
  seed: number;
  /** The schedule that maps t to the mask ratio m(t). Default 'cosine'. */
  schedule?: ScheduleName | MaskSchedule;
}

/** Host-side result of the position choice (what addNoise and maskTokens share). */
export interface HostMask {
  /** 1 where masked, [B·N]. */
  mask: Uint8Array;
  /** Masked positions per row. */
  counts: Int32Array;
}

export interface MaskedTokens {
  /** i32 [B, N]: codes with maskId at masked positions. */
  noisy: Tensor;
  /** f32 [B, N]: 1 where masked, 0 elsewhere (multiply per-token losses by it). */
  mask: Tensor;
  /** The times, one per row (f64, as given). */
  t: Float64Array;
  /** Masked positions per row: ceil(m(t)·N), at least 1. */
  counts: Int32Array;
  /** The schedule that turned t into ratios (the losses read their weights from it). */
  schedule: MaskSchedule;
}

export function checkTimes(t: ArrayLike<number>, batch: number, where: string): Float64Array {
  if (t == null || typeof t.length !== 'number')
    throw new TypeError(`${where}: t must be an array of ${batch} times (one per row)`);
  if (t.length !== batch) throw new RangeError(`${where}: t has ${t.length} values for ${batch} rows`);
  const out = Float64Array.from(t);
  for (let i = 0; i < batch; i++)
    if (!(out[i] >= 0 && out[i] <= 1)) throw new RangeError(`${where}: t[${i}] = ${out[i]} is not in [0, 1]`);
  return out;
}

/** The positions maskTokens masks for (batch, length, t, seed, schedule), on the host. */
export function maskPositions(
  batch: number,
  length: number,
  t: ArrayLike<number>,
  opts: { seed: number; schedule?: ScheduleName | MaskSchedule },
): HostMask {
  const ts = checkTimes(t, batch, 'maskPositions');
  const schedule = getSchedule(opts.schedule);
  const rng = new Philox(opts.seed);
  const mask = new Uint8Array(batch * length);
  const counts = new Int32Array(batch);
  const keys = new Float64Array(length);
  for (let b = 0; b < batch; b++) {
    const k = length === 0 ? 0 : maskCount(schedule.maskProb(ts[b]), length);
    counts[b] = k;
    for (let i = 0; i < length; i++) keys[i] = rng.uniform(b * length + i, 0, Purpose.maskKeys);
    mask.set(lowestK(keys, k), b * length);
  }
  return { mask, counts };
}

/**
 * Corrupt codes i32 [B, N] at times t (one per row): exactly ceil(m(t)·N) positions per row (at least 1)
 * become maskId, chosen uniformly at random from the seed.
 */
export function maskTokens(codes: Tensor, t: ArrayLike<number>, opts: MaskTokensOptions): MaskedTokens {
  codes.live('maskTokens');
  if (codes.rank !== 2)
    throw new RangeError(`maskTokens: codes must be [B, N], got [${codes.shape.join(', ')}]`);
  if (codes.dtype !== 'i32') throw new TypeError(`maskTokens: codes must be i32, got ${codes.dtype}`);
  if (!Number.isInteger(opts?.maskId))
    throw new RangeError(`maskTokens: maskId must be an integer, got ${String(opts?.maskId)}`);
  const [B, N] = codes.shape;
  const schedule = getSchedule(opts.schedule);
  const ts = checkTimes(t, B, 'maskTokens');
  const { mask, counts } = maskPositions(B, N, ts, { seed: opts.seed, schedule });
  const backend = codes.backend.name;
  return tidy(() => {
    const keep = tensor(
      Uint32Array.from(mask, (m) => 1 - m),
      [B, N],
      { backend },
    );
    const maskF = tensor(Float32Array.from(mask), [B, N], { backend });
    const noisy = codes.where(keep, opts.maskId);
    return { noisy, mask: maskF, t: ts, counts, schedule };
  });
}
