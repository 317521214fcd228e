export type { ReadShardsOptions, ShardPosition, ShardSample } from './reader.js';
export { readShards, ShardStream, sampleJson } from './reader.js';
export { expandBraces } from './rng.js';
export type { TarMember } from './tar.js';
export { buildTar, parseTar, ShardError, tarHeader } from './tar.js';
export type { ShardIndex, ShardInfo, ShardWriterOptions } from './writer.js';
export { indexName, readShardIndex, ShardWriter, shardName } from './writer.js';
