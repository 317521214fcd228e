// @unif2ace/common: what every package shares and runs anywhere (browser and Node). The Node-only file
// helpers are in '@unif2ace/common/node'.

export { type LoadProgress, type ReadAssetOptions, readAsset } from './asset.js';
export { mix32, mulberry32, Rng } from './rng.js';
