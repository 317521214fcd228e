// @unif2ace/common/node: helpers for Node (crash-safe writes, guarded folder creation, CLI entry check).
export { isEntry } from './entry.js';
export {
  fsyncDir,
  fsyncDirSync,
  makeDir,
  makeDirSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from './files.js';
