// MaskGIT confidence re-masking (Chang et al., arXiv 2202.04200), as Show-o runs it (docs/architecture.md, D3Diff):
// sample every masked position, then keep masked the floor(N·gamma((s+1)/T)) least confident ones —
// at least one until the last step, and at least one fewer than before, so steps = N reveals exactly
// one token per step. Confidence = log p(sampled) + noise·(1 - (s+1)/T)·Gumbel. order 'random' uses
// uniform keys instead: an exact ancestral sampler when one token is revealed per step.
import { Purpose } from '../rng.js';
import { gumbelOf, lowestK, type ScheduleName, sampleLogits } from '../schedules.js';
import { BaseScheduler, type SchedulerOptions, type SchedulerStep, type StepOptions } from './scheduler.js';

export type RevealOrder = 'confidence' | 'random';

export interface MaskGitOptions extends SchedulerOptions {
  /** Scale of the annealed Gumbel noise on the confidences (MaskGIT's choice temperature). Default 4.5. */
  noise?: number;
  /** Default 'confidence'. */
  order?: RevealOrder;
}

export class MaskGitScheduler extends BaseScheduler {
  readonly name = 'maskgit';
  readonly noise: number;
  readonly order: RevealOrder;

  constructor(opts: MaskGitOptions) {
    super(opts, 'MaskGitScheduler');
    this.noise = opts.noise ?? 4.5;
    if (!(this.noise >= 0) || !Number.isFinite(this.noise))
      throw new RangeError(`MaskGitScheduler: noise must be a finite number >= 0, got ${String(opts.noise)}`);
    this.order = opts.order ?? 'confidence';
    if (this.order !== 'confidence' && this.order !== 'random')
      throw new RangeError(
        `MaskGitScheduler: order must be 'confidence' or 'random', got '${String(opts.order)}'`,
      );
  }

  protected defaultSchedule(): ScheduleName {
    return 'cosine';
  }

  /** Positions of a row of `unknown` masked ones that stay masked after step `index`. */
  keepMasked(index: number, unknown: number): number {
    const T = this.steps;
    if (unknown === 0 || index === T - 1) return 0;
    const gamma = this.schedule.maskProb(1 - (index + 1) / T);
    return Math.max(1, Math.min(unknown - 1, Math.floor(this.length * gamma)));
  }

  step(
    logits: Float64Array,
    index: number,
    sample: Int32Array,
    { rng, predX0: all = true }: StepOptions,
  ): SchedulerStep {
    const B = this.check(logits, index, sample);
    const N = this.length;
    const prevSample = sample.slice();
    const predX0 = sample.slice();
    const conf = new Float64Array(N);
    const stay = new Uint8Array(N);
    const anneal = this.noise * (1 - (index + 1) / this.steps);
    const random = this.order === 'random';
    for (let b = 0; b < B; b++) {
      let unknown = 0;
      for (let j = 0; j < N; j++) {
        const i = b * N + j;
        if (sample[i] !== this.maskId) {
          conf[j] = Infinity;
          continue;
        }
        unknown++;
        const [u1, u2] = rng.uniform2(i, index, Purpose.value);
        if (random) {
          conf[j] = u2; // the order does not depend on the draws: they can wait
          continue;
        }
        const { id, logp } = this.draw(logits, i, index, u1, sampleLogits);
        predX0[i] = id;
        conf[j] = logp + anneal * gumbelOf(u2);
      }
      if (unknown === 0) continue;
      lowestK(conf, this.keepMasked(index, unknown), stay);
      for (let j = 0; j < N; j++) {
        const i = b * N + j;
        if (sample[i] !== this.maskId || (stay[j] && !(random && all))) continue;
        if (random)
          predX0[i] = this.draw(logits, i, index, rng.uniform2(i, index, Purpose.value)[0], sampleLogits).id;
        if (!stay[j]) prevSample[i] = predX0[i];
      }
    }
    return { prevSample, predX0 };
  }

  override toConfig(): Record<string, unknown> {
    return { ...super.toConfig(), noise: this.noise, order: this.order };
  }
}
