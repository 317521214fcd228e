// @unif2ace/common: what every package shares and runs anywhere (browser and Node). The Node-only file
// helpers are in '@unif2ace/common/node'.
export { mix32, mulberry32, Rng } from './rng.js';
