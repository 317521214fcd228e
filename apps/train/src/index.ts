/** The folder of the shipped training configs (tiny.json, nano.json, small.json). */
export const CONFIGS = new URL('../configs/', import.meta.url);

export type {
  DataConfig,
  ImageTokenizerConfig,
  LogConfig,
  Objective,
  OptimConfig,
  RuntimeConfig,
  TextTokenizerConfig,
  TrainConfig,
} from './config.js';
export {
  ConfigError,
  DEFAULTS,
  loadTrainConfig,
  microBatchMix,
  resolveModelConfig,
  validateTrainConfig,
} from './config.js';
export type { EvaluateOptions, EvaluationReport } from './evaluate.js';
export { evaluateModel, reportMarkdown } from './evaluate.js';
export type { ExportOptions, ExportResult } from './export.js';
export { exportModel, modelFromRun } from './export.js';
export { formatDuration, parseDuration } from './log.js';
export { EpochOrder, lossSeed, permutation } from './order.js';
export type { ChartOptions, HeatBlock, Series } from './plot.js';
export { heatmap, lineChart, niceTicks } from './plot.js';
export type { StopReason, TrainRunOptions, TrainRunResult } from './train.js';
export { batchAt, runTraining } from './train.js';
