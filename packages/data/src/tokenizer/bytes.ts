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

// ASCII character classes of the GPT-2 pattern: letter, digit, whitespace, other.
const L = 1;
const N = 2;
const S = 3;
const P = 4;
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, c) => {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return L;
  if (c >= 48 && c <= 57) return N;
  if (c === 32 || (c >= 9 && c <= 13)) return S;
  return P;
});

/** Length of a contraction ('s 't 're 've 'm 'll 'd) at i, or 0. */
function contraction(t: string, i: number): number {
  const a = t.charCodeAt(i + 1);
  if (a === 115 || a === 116 || a === 109 || a === 100) return 2; // s t m d
  const b = t.charCodeAt(i + 2);
  if ((a === 114 && b === 101) || (a === 118 && b === 101) || (a === 108 && b === 108)) return 3; // re ve ll
  return 0;
}

/**
 * The pieces of `text` under the GPT-2 pattern. ASCII text goes through a hand-written scanner with the
 * same semantics (several times faster than the regex); anything else through GPT2_PATTERN itself.
 */
export function preTokenize(text: string, out: string[] = []): string[] {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    if (text.charCodeAt(i) >= 128) {
      for (const m of text.matchAll(GPT2_PATTERN)) out.push(m[0]);
      return out;
    }
  }
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 39) {
      const k = contraction(text, i);
      if (k) {
        out.push(text.slice(i, i + k));
        i += k;
        continue;
      }
    }
    let cls = ASCII_CLASS[c];
    let j = i + 1;
    if (c === 32 && j < n && ASCII_CLASS[text.charCodeAt(j)] !== S) {
      cls = ASCII_CLASS[text.charCodeAt(j)]; // ' ?' then a letter, digit or other run
      j++;
    }
    if (cls !== S) {
      while (j < n && ASCII_CLASS[text.charCodeAt(j)] === cls) j++;
    } else {
      while (j < n && ASCII_CLASS[text.charCodeAt(j)] === S) j++;
      // \s+(?!\S): leave the last whitespace to the next piece when non-space follows.
      if (j < n && j - i > 1) j--;
    }
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

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
    if (b === undefined)
      throw new Error(`token "${token}" has a character outside the byte-level alphabet: "${ch}"`);
    out.push(b);
  }
  return out;
}
