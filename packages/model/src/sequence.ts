// The unified sequence (docs/architecture.md, "The unified sequence"): one vocabulary, the T2I and MMU row
// formats, their per-row attention masks, and batch collation. Everything here is host arrays; the model
// turns a collated batch into tensors.
import { type BpeTokenizer, SPECIAL_TOKENS, type SpecialName } from '@unif2ace/data';

/** The question a caption answers (captioning is MMU with this question). */
export const CAPTION_QUESTION = 'Describe this face in detail.';

/** Sizes of the unified vocabulary, stored in config.json's `vocab`. */
export interface VocabSizes {
  /** Text BPE tokens (ids 0 … text − 1). */
  text: number;
  /** Special tokens (ids text … text + specials − 1), in data's SPECIAL_TOKENS order. */
  specials: number;
  /** K image codes (ids text + specials + c). */
  codes: number;
  /** N image tokens per image (the image tokenizer's grid, h·w). */
  imageTokens: number;
}

/** Id arithmetic of the unified vocabulary: text, specials, K codes, then [MASK]. */
export class Vocab {
  readonly text: number;
  readonly specials: number;
  readonly codes: number;
  readonly imageTokens: number;
  constructor(sizes: VocabSizes) {
    for (const k of ['text', 'specials', 'codes', 'imageTokens'] as const) {
      const v = sizes[k];
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`Vocab: ${k} must be a positive integer, got ${v}`);
    }
    if (sizes.specials !== SPECIAL_TOKENS.length)
      throw new RangeError(
        `Vocab: ${sizes.specials} special tokens; this library uses ${SPECIAL_TOKENS.length}`,
      );
    this.text = sizes.text;
    this.specials = sizes.specials;
    this.codes = sizes.codes;
    this.imageTokens = sizes.imageTokens;
  }
  special(name: SpecialName): number {
    return this.text + SPECIAL_TOKENS.indexOf(name);
  }
  /** First image-code id (code c is codeStart + c). */
  get codeStart(): number {
    return this.text + this.specials;
  }
  /** The [MASK] id: codeStart + K (so a code index K reads as "masked"). */
  get maskId(): number {
    return this.codeStart + this.codes;
  }
  get size(): number {
    return this.maskId + 1;
  }
  /** Text tokens and specials: the columns the text head predicts. */
  get textColumns(): number {
    return this.codeStart;
  }
  sizes(): VocabSizes {
    return { text: this.text, specials: this.specials, codes: this.codes, imageTokens: this.imageTokens };
  }
}

export type Task = 't2i' | 'mmu';

/** One sequence and where its parts are. */
export interface Row {
  task: Task;
  ids: Int32Array;
  /** Index of the first image token. */
  imageStart: number;
  /**
   * T2I: index of `<|soi|>` (positions before it are the causal text span). MMU: index of `<|eoi|>` (positions
   * up to and including it attend bidirectionally).
   */
  boundary: number;
  /** MMU: the answer tokens (and the closing `<|eos|>`) are ids[answerStart … answerEnd); T2I: 0, 0. */
  answerStart: number;
  answerEnd: number;
}

function checkCodes(v: Vocab, codes: ArrayLike<number> | null, where: string): void {
  if (codes === null) return;
  if (codes.length !== v.imageTokens)
    throw new RangeError(`${where}: ${codes.length} image codes, the model reads ${v.imageTokens} per image`);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!Number.isInteger(c) || c < 0 || c > v.codes)
      throw new RangeError(`${where}: code ${c} at ${i} is outside [0, ${v.codes}] (${v.codes} = [MASK])`);
  }
}

/**
 * T2I: `<|t2i|> <|pad|>… <|bos|> caption <|eos|> <|soi|> img_1 … img_N <|eoi|>`; the text span (pads, bos,
 * caption, eos) has exactly `textLength` tokens (the caption is cut to textLength − 2). codes: relative
 * code indices (K = [MASK]); null: all masked.
 */
export function t2iRow(
  v: Vocab,
  tok: BpeTokenizer,
  caption: string,
  codes: ArrayLike<number> | null,
  textLength: number,
): Row {
  checkCodes(v, codes, 't2iRow');
  const cap = caption ? tok.encode(caption).slice(0, textLength - 2) : [];
  const N = v.imageTokens;
  const ids = new Int32Array(textLength + N + 3);
  ids[0] = v.special('t2i');
  const pads = textLength - 2 - cap.length;
  ids.fill(v.special('pad'), 1, 1 + pads);
  ids[1 + pads] = v.special('bos');
  ids.set(cap, 2 + pads);
  ids[textLength] = v.special('eos');
  const soi = textLength + 1;
  ids[soi] = v.special('soi');
  for (let i = 0; i < N; i++) ids[soi + 1 + i] = v.codeStart + (codes ? codes[i] : v.codes);
  ids[soi + 1 + N] = v.special('eoi');
  return { task: 't2i', ids, imageStart: soi + 1, boundary: soi, answerStart: 0, answerEnd: 0 };
}

/**
 * MMU: `<|mmu|> <|soi|> img_1 … img_N <|eoi|> <|bos|> question answer <|eos|>`, the text from `<|bos|>` on
 * at most `maxSequence` tokens (question cut first to leave one answer token, then the answer). With
 * answer null the row ends after the question (a prompt for decoding).
 */
export function mmuRow(
  v: Vocab,
  tok: BpeTokenizer,
  codes: ArrayLike<number>,
  question: string,
  answer: string | null,
  maxSequence: number,
): Row {
  checkCodes(v, codes, 'mmuRow');
  const q = tok.encode(question).slice(0, Math.max(0, maxSequence - 3));
  const a = answer === null ? [] : tok.encode(answer).slice(0, maxSequence - 2 - q.length);
  const N = v.imageTokens;
  const head = N + 4; // mmu soi codes eoi bos
  const ids = new Int32Array(head + q.length + (answer === null ? 0 : a.length + 1));
  ids[0] = v.special('mmu');
  ids[1] = v.special('soi');
  for (let i = 0; i < N; i++) ids[2 + i] = v.codeStart + codes[i];
  ids[N + 2] = v.special('eoi');
  ids[N + 3] = v.special('bos');
  ids.set(q, head);
  const answerStart = head + q.length;
  if (answer !== null) {
    ids.set(a, answerStart);
    ids[answerStart + a.length] = v.special('eos');
  }
  return { task: 'mmu', ids, imageStart: 2, boundary: N + 2, answerStart, answerEnd: ids.length };
}

/** What a row says, read back from its ids (the inverse of t2iRow / mmuRow). */
export function parseRow(
  v: Vocab,
  tok: BpeTokenizer,
  row: Row,
): { task: Task; caption?: string; question?: string; answer?: string; codes: Int32Array } {
  const codes = Int32Array.from(
    row.ids.subarray(row.imageStart, row.imageStart + v.imageTokens),
    (id) => id - v.codeStart,
  );
  const text = (ids: ArrayLike<number>) => tok.decode(Array.from(ids), { skipSpecial: true });
  if (row.task === 't2i') return { task: 't2i', caption: text(row.ids.subarray(1, row.boundary)), codes };
  const bos = row.boundary + 1;
  const end = row.answerEnd > row.answerStart ? row.answerEnd - 1 : row.ids.length;
  return {
    task: 'mmu',
    question: text(row.ids.subarray(bos + 1, row.answerStart)),
    answer: text(row.ids.subarray(row.answerStart, end)),
    codes,
  };
}

/**
 * Row r's attention mask as S×S (1 = query may attend key), S >= the row's length. T2I: text causal, image
 * span (soi … eoi) sees every non-pad position; MMU: bidirectional through `<|eoi|>`, causal after. Pad
 * tokens are never keys; positions past the row's end (batch padding) attend only position 0, so no query
 * row is empty.
 */
export function rowMask(v: Vocab, row: Row, S: number, out = new Uint32Array(S * S)): Uint32Array {
  const L = row.ids.length;
  if (S < L) throw new RangeError(`rowMask: S ${S} is shorter than the row (${L} tokens)`);
  const pad = v.special('pad');
  for (let q = 0; q < S; q++) {
    const o = q * S;
    if (q >= L) {
      out[o] = 1;
      continue;
    }
    let last: number;
    if (row.task === 't2i') last = q < row.boundary ? q : L - 1;
    else last = q <= row.boundary ? row.boundary : q;
    for (let k = 0; k <= last; k++) out[o + k] = row.ids[k] === pad ? 0 : 1;
  }
  return out;
}

/** A padded batch: ids [B, S] (pad id after each row's end), masks [B, S, S], the group of each row. */
export interface Collated {
  rows: Row[];
  B: number;
  S: number;
  ids: Int32Array;
  mask: Uint32Array;
  groups: ('generation' | 'understanding')[];
}

export function collate(v: Vocab, rows: Row[], minLength = 0): Collated {
  if (!rows.length) throw new RangeError('collate: no rows');
  const B = rows.length;
  const S = Math.max(minLength, ...rows.map((r) => r.ids.length));
  const ids = new Int32Array(B * S).fill(v.special('pad'));
  const mask = new Uint32Array(B * S * S);
  rows.forEach((r, b) => {
    ids.set(r.ids, b * S);
    rowMask(v, r, S, mask.subarray(b * S * S, (b + 1) * S * S));
  });
  return {
    rows,
    B,
    S,
    ids,
    mask,
    groups: rows.map((r) => (r.task === 't2i' ? 'generation' : 'understanding')),
  };
}
