import type { LogitsProcessor, ProcessorContext } from './processor.js';

/** Classifier-free guidance: (1 + w)·cond - w·uncond (w = 0 leaves the conditional logits as they are). */
export class ClassifierFreeGuidance implements LogitsProcessor {
  readonly name = 'cfg';
  readonly needsUncond: boolean;
  constructor(readonly scale: number) {
    if (typeof scale !== 'number' || !Number.isFinite(scale))
      throw new RangeError(`ClassifierFreeGuidance: scale must be a finite number, got ${String(scale)}`);
    this.needsUncond = scale !== 0;
  }
  apply(logits: Float64Array, ctx: ProcessorContext): void {
    const w = this.scale;
    if (w === 0) return;
    const u = ctx.uncond;
    if (!u) throw new Error(`ClassifierFreeGuidance: step ${ctx.step} has no unconditional logits`);
    const K = ctx.K;
    for (let r = 0; r < ctx.active.length; r++) {
      if (!ctx.active[r]) continue;
      for (let k = r * K; k < (r + 1) * K; k++) logits[k] = (1 + w) * logits[k] - w * u[k];
    }
  }
}
