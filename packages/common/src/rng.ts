// The one seeded random generator of the project: mulberry32 (32-bit state, integer ops only, so the
// sequence is identical in every JavaScript engine and a position saves as one JSON number), plus a
// splitmix32-style mixer for deriving independent seeds. nn (weight init), data (faces, shuffles) and
// @unif2ace/tensor/testing (test inputs) all draw from it.

/** One mulberry32 step: a uniform value in [0, 1) and the next state. For generators kept as plain state. */
export function mulberry32(state: number): [value: number, state: number] {
  const s = (state + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, s];
}

/** Mixes two uint32 values into one well-distributed uint32 (splitmix32 finaliser). */
export function mix32(a: number, b: number): number {
  let z = (a + Math.imul(b ^ 0x9e3779b9, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** A seeded stream of uniform values (mulberry32) with the usual draws on top. */
export class Rng {
  /** The whole state (uint32): save it, and `new Rng(state)` continues the same sequence. */
  state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A new independent stream derived from `seed` and a label (e.g. 'caption'), consuming nothing. */
  static derive(seed: number, label: string): Rng {
    let h = seed >>> 0;
    for (let i = 0; i < label.length; i++) h = mix32(h, label.charCodeAt(i));
    return new Rng(h);
  }

  /** Uniform in [0, 1). */
  next(): number {
    const [v, s] = mulberry32(this.state);
    this.state = s;
    return v;
  }

  /** Standard normal (Box-Muller; draws two uniforms). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Uniform in [a, b). */
  range(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(items.length)];
  }

  /** Picks items[i] with probability weights[i] / sum(weights). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    if (items.length !== weights.length || items.length === 0) {
      throw new Error(`Rng.weighted: ${items.length} items but ${weights.length} weights`);
    }
    let total = 0;
    for (const w of weights) total += w;
    let u = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      u -= weights[i];
      if (u < 0) return items[i];
    }
    return items[items.length - 1];
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /** `n` uniform values in [lo, hi) as float32. */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.next();
    return out;
  }
}
