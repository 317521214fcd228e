// The reverse absorbing process (SEDD, arXiv 2310.16834; RADD, arXiv 2406.03736) with the model's
// clean-conditional scores: from time t to s < t each masked token is revealed with probability
// (m(t) - m(s)) / m(t) ('analytic', exact per token; SEDD's Tweedie tau-leaping for the absorbing case)
// or min(1, (t - s)·w(t)) ('euler', the first-order step with the total reverse rate w = m'/m), and a
// revealed token takes a code drawn from softmax(logits). The last step reveals everything left.
import { Purpose } from '../rng.js';
import { type ScheduleName, sampleLogits } from '../schedules.js';
import { BaseScheduler, type SchedulerOptions, type SchedulerStep, type StepOptions } from './scheduler.js';

export type SeddMethod = 'analytic' | 'euler';

export interface SeddOptions extends SchedulerOptions {
  /** Default 'analytic'. */
  method?: SeddMethod;
}

export class SeddAbsorbingScheduler extends BaseScheduler {
  readonly name = 'sedd-absorbing';
  readonly method: SeddMethod;

  constructor(opts: SeddOptions) {
    super(opts, 'SeddAbsorbingScheduler');
    this.method = opts.method ?? 'analytic';
    if (this.method !== 'analytic' && this.method !== 'euler')
      throw new RangeError(
        `SeddAbsorbingScheduler: method must be 'analytic' or 'euler', got '${String(opts.method)}'`,
      );
  }

  protected defaultSchedule(): ScheduleName {
    return 'log-linear';
  }

  /** Probability that a masked token is revealed in step `index`. */
  revealProb(index: number): number {
    if (index === this.steps - 1) return 1;
    const t = this.timesteps[index];
    const s = index + 1 < this.steps ? this.timesteps[index + 1] : 0;
    if (this.method === 'euler') return Math.min(1, (t - s) * this.schedule.weight(t));
    const mt = this.schedule.maskProb(t);
    return (mt - this.schedule.maskProb(s)) / mt;
  }

  step(
    logits: Float64Array,
    index: number,
    sample: Int32Array,
    { rng, predX0: all = true }: StepOptions,
  ): SchedulerStep {
    this.check(logits, index, sample);
    const p = this.revealProb(index);
    const prevSample = sample.slice();
    const predX0 = sample.slice();
    for (let i = 0; i < sample.length; i++) {
      if (sample[i] !== this.maskId) continue;
      const [u1, u2] = rng.uniform2(i, index, Purpose.jump);
      const jump = u1 < p;
      if (!jump && !all) continue;
      predX0[i] = this.draw(logits, i, index, u2, sampleLogits).id;
      if (jump) prevSample[i] = predX0[i];
    }
    return { prevSample, predX0 };
  }

  override toConfig(): Record<string, unknown> {
    return { ...super.toConfig(), method: this.method };
  }
}
