import type { LogitsProcessor, ProcessorContext } from './processor.js';

/** Sampling temperature: logits / T (T > 0; 1 leaves them as they are). */
export class Temperature implements LogitsProcessor {
  readonly name = 'temperature';
  constructor(readonly temperature: number) {
    if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature))
      throw new RangeError(
        `Temperature: temperature must be a finite number > 0, got ${String(temperature)}`,
      );
  }
  apply(logits: Float64Array, ctx: ProcessorContext): void {
    if (this.temperature === 1) return;
    const inv = 1 / this.temperature;
    const K = ctx.K;
    for (let r = 0; r < ctx.active.length; r++) {
      if (!ctx.active[r]) continue;
      for (let k = r * K; k < (r + 1) * K; k++) logits[k] *= inv;
    }
  }
}
