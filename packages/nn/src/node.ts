// Node-only file I/O: crash-safe writes and checkpoint directories ('@unif2ace/nn/node').
/**
 * @deprecated The crash-safe write lives in '@unif2ace/common/node' (writeFileAtomic async,
 * writeFileAtomicSync, fsyncDir); these names stay for a release as aliases of the sync variants.
 */
export { fsyncDirSync as fsyncDir, writeFileAtomicSync as writeFileAtomic } from '@unif2ace/common/node';
export type { CheckpointFiles, LoadedCheckpoint, Manifest } from './io/checkpoint.js';
export {
  checkpointDir,
  loadLatestCheckpoint,
  pruneCheckpoints,
  verifyCheckpoint,
  writeCheckpoint,
} from './io/checkpoint.js';
