// Shard-order helpers: hashing, seeded permutations (the project's mulberry32) and brace patterns.
import { mulberry32 } from '@unif2ace/common';

/** FNV-1a 32-bit hash, hex. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Seeded Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let s = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = n - 1; i > 0; i--) {
    const [u, next] = mulberry32(s);
    s = next;
    const j = Math.floor(u * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Expands WebDataset brace notation: `a-{000..012}.tar`, `{x,y}.tar`, several braces. */
export function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (!m) return [pattern];
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + m[0].length);
  let parts: string[];
  const range = /^(\d+)\.\.(\d+)$/.exec(m[1]);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a) throw new Error(`brace range ${m[0]} is empty in "${pattern}"`);
    const width = range[1].length;
    parts = Array.from({ length: b - a + 1 }, (_, i) => String(a + i).padStart(width, '0'));
  } else {
    parts = m[1].split(',');
  }
  return parts.flatMap((p) => expandBraces(head + p + tail));
}
