// The scheduler interface (docs/architecture.md, adding a scheduler, the diffusers method set as a TS interface): one algorithm per
// file, the shared math in ../schedules.ts. A scheduler works on host arrays: the sample is i32 [B·N]
// with maskId at unknown positions, the step's logits f64 [B·N, K] after the processors.
import type { HostMask } from '../mask.js';
import { maskPositions } from '../mask.js';
import type { Philox } from '../rng.js';
import { getSchedule, type MaskSchedule, type ScheduleName } from '../schedules.js';

export interface SchedulerOptions {
  /** Tokens per row (N). */
  length: number;
  /** Codes per position (K): logits rows have K columns, samples are in [0, K). */
  codebookSize: number;
  /** The id of unknown positions (not a code: outside [0, K)). */
  maskId: number;
  schedule?: ScheduleName | MaskSchedule;
}

export interface SchedulerStep {
  /** The sample after this step (fewer masked positions). */
  prevSample: Int32Array;
  /** The step's guess of the clean sample: every masked position drawn from its logits. */
  predX0: Int32Array;
}

export interface StepOptions {
  rng: Philox;
  /**
   * Draw predX0 at every masked position (default true). false lets a scheduler draw only the positions
   * it reveals (where the choice does not depend on the draws); the sample is the same either way, and
   * predX0 then holds draws only where they were made (maskId elsewhere).
   */
  predX0?: boolean;
}

export interface Scheduler {
  readonly name: string;
  /** The diffusion time the denoiser sees at each step (1 at the first, all masked). */
  readonly timesteps: Float64Array;
  setTimesteps(steps: number): void;
  step(logits: Float64Array, index: number, sample: Int32Array, opts: StepOptions): SchedulerStep;
  /** The forward process at times t (one per row): exactly ceil(m(t)·N) positions masked. */
  addNoise(x0: Int32Array, t: ArrayLike<number>, opts: { seed: number }): { noisy: Int32Array } & HostMask;
  toConfig(): Record<string, unknown>;
}

/** Validation and the parts both schedulers share. */
export abstract class BaseScheduler implements Scheduler {
  abstract readonly name: string;
  readonly length: number;
  readonly codebookSize: number;
  readonly maskId: number;
  readonly schedule: MaskSchedule;
  timesteps: Float64Array = new Float64Array(0);

  constructor(opts: SchedulerOptions, where: string) {
    const { length, codebookSize, maskId } = opts ?? ({} as SchedulerOptions);
    if (!Number.isInteger(length) || length < 1)
      throw new RangeError(`${where}: length must be an integer >= 1, got ${String(length)}`);
    if (!Number.isInteger(codebookSize) || codebookSize < 1)
      throw new RangeError(`${where}: codebookSize must be an integer >= 1, got ${String(codebookSize)}`);
    if (!Number.isInteger(maskId) || (maskId >= 0 && maskId < codebookSize))
      throw new RangeError(
        `${where}: maskId ${String(maskId)} must be an integer outside the codes [0, ${codebookSize})`,
      );
    this.length = length;
    this.codebookSize = codebookSize;
    this.maskId = maskId;
    this.schedule = getSchedule(opts.schedule ?? this.defaultSchedule());
  }

  protected abstract defaultSchedule(): ScheduleName;
  abstract step(logits: Float64Array, index: number, sample: Int32Array, opts: StepOptions): SchedulerStep;

  get steps(): number {
    return this.timesteps.length;
  }

  setTimesteps(steps: number): void {
    if (!Number.isInteger(steps) || steps < 1)
      throw new RangeError(`${this.name}: steps must be an integer >= 1, got ${String(steps)}`);
    this.timesteps = Float64Array.from({ length: steps }, (_, s) => 1 - s / steps);
  }

  protected check(logits: Float64Array, index: number, sample: Int32Array): number {
    if (!this.timesteps.length) throw new Error(`${this.name}: call setTimesteps(steps) before step()`);
    if (!Number.isInteger(index) || index < 0 || index >= this.steps)
      throw new RangeError(`${this.name}: step index ${index} is outside [0, ${this.steps})`);
    if (sample.length % this.length)
      throw new RangeError(
        `${this.name}: sample has ${sample.length} tokens, not a multiple of length ${this.length}`,
      );
    if (logits.length !== sample.length * this.codebookSize)
      throw new RangeError(
        `${this.name}: logits hold ${logits.length} values, expected ${sample.length} tokens × ${this.codebookSize} codes`,
      );
    return sample.length / this.length;
  }

  /** Draw position i's code from its logits (NaN or all -inf logits are an error naming the position). */
  protected draw(
    logits: Float64Array,
    i: number,
    index: number,
    u: number,
    sample: (l: Float64Array, off: number, K: number, u: number) => { id: number; logp: number },
  ) {
    const K = this.codebookSize;
    const r = sample(logits, i * K, K, u);
    if (r.id < 0 || Number.isNaN(r.logp))
      throw new RangeError(
        `${this.name}: step ${index}, row ${Math.floor(i / this.length)}, position ${i % this.length}: the logits have no finite maximum (NaN or all -Infinity)`,
      );
    return r;
  }

  addNoise(x0: Int32Array, t: ArrayLike<number>, opts: { seed: number }) {
    if (x0.length % this.length)
      throw new RangeError(`${this.name}.addNoise: ${x0.length} tokens are not rows of ${this.length}`);
    const hm = maskPositions(x0.length / this.length, this.length, t, {
      seed: opts.seed,
      schedule: this.schedule,
    });
    const noisy = Int32Array.from(x0, (v, i) => (hm.mask[i] ? this.maskId : v));
    return { noisy, ...hm };
  }

  toConfig(): Record<string, unknown> {
    return {
      _class: this.name,
      _version: 1,
      length: this.length,
      codebookSize: this.codebookSize,
      maskId: this.maskId,
      schedule: this.schedule.toConfig(),
    };
  }
}
