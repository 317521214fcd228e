// @unif2ace/common/node: file helpers for Node (crash-safe writes, guarded folder creation).
export {
  fsyncDir,
  fsyncDirSync,
  makeDir,
  makeDirSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from './files.js';
