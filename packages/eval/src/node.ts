// Node-only parts of @unif2ace/eval ('@unif2ace/eval/node'): probe training with checkpoints and files.
export { ensureDir } from './node/dirs.js';
export type { TrainProbeOptions, TrainProbeResult, TrainProgress } from './node/train.js';
export { trainProbe } from './node/train.js';
