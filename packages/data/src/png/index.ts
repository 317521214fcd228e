export { crc32 } from './crc32.js';
export type { DecodedPng } from './decode.js';
export { decodePng } from './decode.js';
export type { EncodePngOptions } from './encode.js';
export { encodePng } from './encode.js';
