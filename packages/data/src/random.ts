// Counter-based seeded randomness: a face depends only on (seed, index), never on generation order.
// The generator and the seed mixer are the project's one implementation in @unif2ace/common; they stay
// exported here (the same objects) for code that imported them from @unif2ace/data.
import { mix32 } from '@unif2ace/common';

export { mix32, Rng } from '@unif2ace/common';

/** Seed of face `index` of a dataset generated with base `seed`. */
export function faceSeed(seed: number, index: number): number {
  return mix32(mix32(seed >>> 0, 0x5eed), index >>> 0);
}
