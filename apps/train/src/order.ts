// Data order as a pure function of (seed, position): each example stream walks a fresh seeded permutation
// per epoch, so the examples of step s follow from the seed and s alone. A resumed run needs only the
// step to continue with exactly the batches an uninterrupted run would have seen.
import { mix32, Rng } from '@unif2ace/common';

/** B indices in [0, n), drawn with replacement from a stream seeded by (seed, step). */
export function batchIndices(seed: number, step: number, B: number, n: number): Int32Array {
  const rng = new Rng(mix32(mix32(seed >>> 0, 0x0b47c4), step >>> 0));
  const out = new Int32Array(B);
  for (let i = 0; i < B; i++) out[i] = rng.int(n);
  return out;
}

/** Fisher-Yates permutation of [0, n) from a seeded stream. */
export function permutation(n: number, seed: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** An endless stream over [0, n): position k is element k mod n of epoch floor(k / n)'s permutation. */
export class EpochOrder {
  private epoch = -1;
  private perm: Int32Array = new Int32Array(0);

  constructor(
    readonly n: number,
    readonly seed: number,
    readonly label: string,
  ) {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`EpochOrder(${label}): needs at least one example, got ${n}`);
  }

  at(position: number): number {
    const e = Math.floor(position / this.n);
    if (e !== this.epoch) {
      this.epoch = e;
      this.perm = permutation(this.n, mix32(Rng.derive(this.seed, this.label).state, e));
    }
    return this.perm[position - e * this.n];
  }

  /** `count` indices starting at `start`. */
  take(start: number, count: number): number[] {
    return Array.from({ length: count }, (_, i) => this.at(start + i));
  }
}

/** The seed of micro-batch `micro` of step `step` (masks, noise, caption dropout inside model.loss). */
export function lossSeed(seed: number, step: number, micro: number): number {
  return mix32(mix32(mix32(seed >>> 0, 0x1055), step >>> 0), micro >>> 0);
}
