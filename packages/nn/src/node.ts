// Node-only file I/O: crash-safe writes and checkpoint directories ('@unif2ace/nn/node').
export { fsyncDir, writeFileAtomic } from './io/atomic.js';
export type { CheckpointFiles, LoadedCheckpoint, Manifest } from './io/checkpoint.js';
export {
  checkpointDir,
  loadLatestCheckpoint,
  pruneCheckpoints,
  verifyCheckpoint,
  writeCheckpoint,
} from './io/checkpoint.js';
