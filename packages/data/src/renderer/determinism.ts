// Shared by the Node and Chromium determinism tests: the faces whose pixel hashes are pinned in
// fixtures/render-hashes.json.
import { faceSeed, Rng } from '../random.js';
import { sampleAttributes } from '../taxonomy/sample.js';
import { renderFace } from './render.js';

export const DETERMINISM_CASES: readonly { index: number; size: number }[] = [
  ...Array.from({ length: 12 }, (_, index) => ({ index, size: 64 })),
  { index: 100, size: 128 },
  { index: 101, size: 128 },
  { index: 102, size: 96 },
];

/** FNV-1a 32-bit hash of bytes, as 8 hex digits. */
export function fnv1aHex(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function renderCaseHashes(): { index: number; size: number; hash: string }[] {
  return DETERMINISM_CASES.map(({ index, size }) => {
    const seed = faceSeed(42, index);
    const attrs = sampleAttributes(Rng.derive(seed, 'attributes'));
    return { index, size, hash: fnv1aHex(renderFace(attrs, { size, seed }).rgb) };
  });
}
