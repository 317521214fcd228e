// Node-only file I/O: crash-safe writes and checkpoint directories ('@unif2ace/nn/node').
export { writeFileAtomic, fsyncDir } from './io/atomic.js';
export {
  writeCheckpoint,
  loadLatestCheckpoint,
  verifyCheckpoint,
  pruneCheckpoints,
  checkpointDir,
} from './io/checkpoint.js';
export type { LoadedCheckpoint, Manifest, CheckpointFiles } from './io/checkpoint.js';
