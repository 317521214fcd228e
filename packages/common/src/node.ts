// @unif2ace/common/node: helpers for Node (crash-safe writes, guarded folder creation, CLI dispatch and entry check).
export { type Command, type CommandLine, type CommandModule, commandLine, runIfEntry } from './commands.js';
export { isEntry } from './entry.js';
export {
  fsyncDir,
  fsyncDirSync,
  makeDir,
  makeDirSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from './files.js';
