// Byte-level BPE training with incremental pair counts: each merge only touches the words that contain
// the merged pair (an index pair -> words), and the best pair comes from a max-heap with lazy deletion.
import { bytesToToken, preTokenize, utf8Bytes } from './bytes.js';

export interface TrainOptions {
  /** Size of the text vocabulary: 256 bytes + merges (special tokens come after it). Default 1000. */
  vocabSize?: number;
  /** Stop when the best pair occurs fewer times than this. Default 2. */
  minFrequency?: number;
}

export interface TrainResult {
  /** Token strings (byte-level alphabet) in id order; the first 256 are the bytes. */
  tokens: string[];
  /** Merges in rank order, as pairs of token strings. */
  merges: [string, string][];
}

/**
 * Counts pre-tokenized words; feed it texts one at a time (streaming over a large corpus). Repeated texts
 * (templated questions and answers) are counted first and pre-tokenized once.
 */
export class WordCounter {
  private readonly words = new Map<string, number>();
  private pending = new Map<string, number>();
  texts = 0;

  add(text: string, times = 1): void {
    this.texts += times;
    this.pending.set(text, (this.pending.get(text) ?? 0) + times);
    if (this.pending.size >= 100_000) this.flush();
  }

  /** Word -> number of occurrences. */
  get counts(): ReadonlyMap<string, number> {
    this.flush();
    return this.words;
  }

  private flush(): void {
    const pieces: string[] = [];
    for (const [text, n] of this.pending) {
      pieces.length = 0;
      for (const w of preTokenize(text, pieces)) this.words.set(w, (this.words.get(w) ?? 0) + n);
    }
    this.pending = new Map();
  }
}

const SHIFT = 1 << 21; // ids stay below 2^21, so a * SHIFT + b is a safe integer
const pairKey = (a: number, b: number): number => a * SHIFT + b;

/** Max-heap on (count desc, key asc) of [count, key] entries. */
class PairHeap {
  private c: number[] = [];
  private k: number[] = [];
  get size(): number {
    return this.c.length;
  }
  private above(i: number, j: number): boolean {
    return this.c[i] > this.c[j] || (this.c[i] === this.c[j] && this.k[i] < this.k[j]);
  }
  private swap(i: number, j: number): void {
    [this.c[i], this.c[j]] = [this.c[j], this.c[i]];
    [this.k[i], this.k[j]] = [this.k[j], this.k[i]];
  }
  push(count: number, key: number): void {
    this.c.push(count);
    this.k.push(key);
    let i = this.c.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.c[0], this.k[0]];
    const lastC = this.c.pop() as number;
    const lastK = this.k.pop() as number;
    if (this.c.length > 0) {
      this.c[0] = lastC;
      this.k[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.c.length && this.above(l, m)) m = l;
        if (r < this.c.length && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

export function trainBpe(texts: Iterable<string> | WordCounter, opts: TrainOptions = {}): TrainResult {
  const vocabSize = opts.vocabSize ?? 1000;
  const minFrequency = opts.minFrequency ?? 2;
  if (!Number.isInteger(vocabSize) || vocabSize < 256 || vocabSize >= SHIFT) {
    throw new Error(`trainBpe: vocabSize must be an integer in [256, ${SHIFT}), got ${vocabSize}`);
  }
  let counter: WordCounter;
  if (texts instanceof WordCounter) counter = texts;
  else {
    counter = new WordCounter();
    for (const t of texts) counter.add(t);
  }

  const tokens = Array.from({ length: 256 }, (_, b) => bytesToToken([b]));
  const ids = new Map(tokens.map((t, i) => [t, i]));
  const merges: [string, string][] = [];
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, c] of counter.counts) {
    words.push(utf8Bytes(w));
    freq.push(c);
  }

  const counts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const heap = new PairHeap();
  const addPairs = (wi: number, sign: number, touched: Set<number> | null): void => {
    const w = words[wi];
    for (let i = 0; i + 1 < w.length; i++) {
      const k = pairKey(w[i], w[i + 1]);
      counts.set(k, (counts.get(k) ?? 0) + sign * freq[wi]);
      if (sign > 0) {
        const s = where.get(k);
        if (s) s.add(wi);
        else where.set(k, new Set([wi]));
      }
      touched?.add(k);
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1, null);
  for (const [k, c] of counts) heap.push(c, k);

  while (tokens.length < vocabSize && heap.size > 0) {
    const [c, k] = heap.pop();
    if (counts.get(k) !== c) continue; // stale entry; the current count was pushed when it changed
    if (c < minFrequency) break;
    const a = Math.floor(k / SHIFT);
    const b = k % SHIFT;
    const text = tokens[a] + tokens[b];
    let id = ids.get(text);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(text);
      ids.set(text, id);
    }
    merges.push([tokens[a], tokens[b]]);
    const touched = new Set<number>();
    for (const wi of where.get(k) ?? []) {
      const w = words[wi];
      let found = false;
      for (let i = 0; i + 1 < w.length; i++) if (w[i] === a && w[i + 1] === b) found = true;
      if (!found) continue;
      addPairs(wi, -1, touched);
      const out: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(w[i]);
      }
      words[wi] = out;
      addPairs(wi, 1, touched);
    }
    where.delete(k);
    for (const t of touched) {
      const n = counts.get(t) ?? 0;
      if (n > 0) heap.push(n, t);
      else counts.delete(t);
    }
  }
  return { tokens, merges };
}
