// A counter-based generator on the host: Philox4x32-10 (Salmon et al., SC'11; Random123). A value is a
// pure function of (seed, counter), so every sampler decision is addressed by (step, token, purpose)
// rather than by how many numbers came before. The samplers draw on the host in f64 from logits read
// back from the device: the same seed gives the same tokens on the CPU, WASM and WebGPU backends, in
// Node and in browsers. Same key/counter layout as @unif2ace/tensor's Philox (tested against it).

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of a u32 × u32 product: a·b = (a·bh)·2^16 + a·bl, each part < 2^48 (exact in f64). */
function mulhi(a: number, b: number): number {
  return Math.floor((a * (b >>> 16) + Math.floor((a * (b & 0xffff)) / 65536)) / 65536);
}

/** What a draw is for: one counter word, so draws for different purposes never share a block. */
export const Purpose = {
  maskKeys: 1,
  value: 2,
  jump: 4,
} as const;

export class Philox {
  readonly key: [number, number];
  private readonly out = new Uint32Array(4);

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`Philox: seed must be an integer in [0, 2^53), got ${String(seed)}`);
    this.key = [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
  }

  /** One block of 4 u32 words for counter [c0, c1, c2, c3] (the returned array is reused). */
  block(c0: number, c1 = 0, c2 = 0, c3 = 0): Uint32Array {
    let x0 = c0 >>> 0;
    let x1 = c1 >>> 0;
    let x2 = c2 >>> 0;
    let x3 = c3 >>> 0;
    let k0 = this.key[0];
    let k1 = this.key[1];
    for (let r = 0; r < 10; r++) {
      if (r > 0) {
        k0 = (k0 + W0) >>> 0;
        k1 = (k1 + W1) >>> 0;
      }
      const hi0 = mulhi(M0, x0);
      const lo0 = Math.imul(M0, x0) >>> 0;
      const hi1 = mulhi(M1, x2);
      const lo1 = Math.imul(M1, x2) >>> 0;
      x0 = (hi1 ^ x1 ^ k0) >>> 0;
      x1 = lo1;
      x2 = (hi0 ^ x3 ^ k1) >>> 0;
      x3 = lo0;
    }
    const o = this.out;
    o[0] = x0;
    o[1] = x1;
    o[2] = x2;
    o[3] = x3;
    return o;
  }

  /**
   * Two uniforms on the open interval (0, 1) with 53-bit resolution (never 0 or 1), for draw `index`
   * of `step` and `purpose`.
   */
  uniform2(index: number, step: number, purpose: number): [number, number] {
    const w = this.block(index, step, purpose);
    return [open53(w[0], w[1]), open53(w[2], w[3])];
  }

  /** One uniform on (0, 1), as uniform2's first value. */
  uniform(index: number, step: number, purpose: number): number {
    const w = this.block(index, step, purpose);
    return open53(w[0], w[1]);
  }
}

/** (hi 26 bits · 2^27 + lo 27 bits + 0.5) / 2^53: the midpoints of a 2^53 grid on (0, 1). */
function open53(a: number, b: number): number {
  return ((a >>> 6) * 134217728 + (b >>> 5) + 0.5) / 9007199254740992;
}
