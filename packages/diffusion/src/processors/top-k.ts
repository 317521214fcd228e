import type { LogitsProcessor, ProcessorContext } from './processor.js';

/** Keep the k largest logits of each row (ties at the cut kept), the rest -Infinity. */
export class TopK implements LogitsProcessor {
  readonly name = 'top-k';
  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`TopK: k must be an integer >= 1, got ${String(k)}`);
  }
  apply(logits: Float64Array, ctx: ProcessorContext): void {
    const K = ctx.K;
    if (this.k >= K) return;
    const row = new Float64Array(K);
    for (let r = 0; r < ctx.active.length; r++) {
      if (!ctx.active[r]) continue;
      row.set(logits.subarray(r * K, (r + 1) * K));
      row.sort();
      const cut = row[K - this.k];
      for (let k = r * K; k < (r + 1) * K; k++) if (logits[k] < cut) logits[k] = -Infinity;
    }
  }
}
