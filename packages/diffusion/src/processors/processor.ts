// Logits processors (docs/architecture.md, adding a scheduler): small classes with one apply(), composed in a list between the
// denoiser and the scheduler's step. They work in place on the host copy of the step's logits, f64
// [B·N, K], and may skip rows that are not masked (ctx.active).

export interface ProcessorContext {
  step: number;
  steps: number;
  /** Diffusion time the denoiser saw. */
  t: number;
  /** Codes per row. */
  K: number;
  /** 1 where the position is still masked (only those rows are sampled). */
  active: Uint8Array;
  /** The unconditional pass's logits, [B·N, K], when classifier-free guidance ran one. */
  uncond: Float32Array | null;
}

export interface LogitsProcessor {
  readonly name: string;
  /** Does the sampler need the denoiser's unconditional pass for this processor? */
  readonly needsUncond?: boolean;
  apply(logits: Float64Array, ctx: ProcessorContext): void;
}
