export type { Corruption, LossOptions, LossResult } from './losses/common.js';
export { type D3DiffObjective, type D3DiffOptions, d3diffLoss } from './losses/d3diff.js';
export { maskedCrossEntropy } from './losses/masked-ce.js';
export { raddLogScores, raddScoreEntropy, scoreEntropy } from './losses/score-entropy.js';
export {
  type HostMask,
  type MaskedTokens,
  type MaskTokensOptions,
  maskPositions,
  maskTokens,
} from './mask.js';
export { ClassifierFreeGuidance } from './processors/cfg.js';
export type { LogitsProcessor, ProcessorContext } from './processors/processor.js';
export { Temperature } from './processors/temperature.js';
export { TopK } from './processors/top-k.js';
export { Philox } from './rng.js';
export {
  type Denoiser,
  type MaskGitSampleOptions,
  maskgitSample,
  type SampleOptions,
  type SampleState,
  type SeddSampleOptions,
  seddSample,
} from './sample.js';
export { type MaskGitOptions, MaskGitScheduler, type RevealOrder } from './schedulers/maskgit.js';
export type { Scheduler, SchedulerOptions, SchedulerStep, StepOptions } from './schedulers/scheduler.js';
export { SeddAbsorbingScheduler, type SeddMethod, type SeddOptions } from './schedulers/sedd-absorbing.js';
export {
  CosineSchedule,
  getSchedule,
  gumbelOf,
  LinearSchedule,
  LogLinearSchedule,
  lowestK,
  type MaskSchedule,
  maskCount,
  type ScheduleConfig,
  type ScheduleName,
  type ScheduleOptions,
  sampleLogits,
  scheduleFromConfig,
} from './schedules.js';
