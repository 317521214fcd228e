// GPT-2 byte-level building blocks: the pre-tokenizer regex and the byte <-> printable-unicode map.

/** GPT-2's pre-tokenizer pattern (the one Hugging Face's ByteLevel pre-tokenizer uses with use_regex). */
export const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2 `bytes_to_unicode`: printable bytes map to themselves, the rest to U+0100 onwards. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    out[b] = String.fromCharCode(printable ? b : 256 + n++);
  }
  return out;
})();

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

/** UTF-8 bytes of a string (fast path for ASCII). Lone surrogates become U+FFFD like TextEncoder. */
export function utf8Bytes(s: string): number[] {
  const out: number[] = new Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return Array.from(utf8.encode(s));
    out[i] = c;
  }
  return out;
}

/** The vocabulary string of a byte sequence. */
export const bytesToToken = (bytes: ArrayLike<number>): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
};

/** Bytes of a vocabulary string; throws on a character outside the byte alphabet. */
export function tokenToBytes(token: string): number[] {
  const out: number[] = [];
  for (const ch of token) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b === undefined) throw new Error(`token "${token}" has a character outside the byte-level alphabet: "${ch}"`);
    out.push(b);
  }
  return out;
}
