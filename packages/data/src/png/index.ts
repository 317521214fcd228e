export { crc32 } from './crc32.js';
export { decodePng } from './decode.js';
export type { DecodedPng } from './decode.js';
export { encodePng } from './encode.js';
export type { EncodePngOptions } from './encode.js';
