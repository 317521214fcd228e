// Byte-level BPE tokenizer with the special tokens of the unified sequence, saved and loaded as a
// Hugging Face tokenizer.json (every field written explicitly) plus tokenizer_config.json.
import { bytesToToken, preTokenize, tokenToBytes, utf8Bytes } from './bytes.js';
import { type TrainOptions, trainBpe, type WordCounter } from './train.js';

/** Special tokens of DESIGN.md section 2, in id order after the text vocabulary. */
export const SPECIAL_TOKENS = ['soi', 'eoi', 't2i', 'mmu', 'pad', 'bos', 'eos'] as const;
export type SpecialName = (typeof SPECIAL_TOKENS)[number];
export const specialContent = (name: SpecialName): string => `<|${name}|>`;

const SHIFT = 1 << 21;
const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class BpeTokenizer {
  /** Token strings by id: text vocabulary, then the special tokens. */
  readonly tokens: readonly string[];
  readonly merges: readonly (readonly [string, string])[];
  /** Number of text (byte + merge) tokens; the first special token has this id. */
  readonly textVocabSize: number;
  readonly numSpecials = SPECIAL_TOKENS.length;
  readonly special: Readonly<Record<SpecialName, number>>;
  private readonly ids: Map<string, number>;
  /** pairKey(a, b) -> rank * SHIFT + merged id. */
  private readonly ranks = new Map<number, number>();
  private readonly specialRe: RegExp;
  private readonly specialById: Map<number, string>;
  private cache = new Map<string, number[]>();

  constructor(textTokens: readonly string[], merges: readonly (readonly [string, string])[]) {
    if (textTokens.length < 256)
      throw new Error(`BpeTokenizer: ${textTokens.length} text tokens, need the 256 bytes`);
    for (let b = 0; b < 256; b++) {
      if (textTokens[b] !== bytesToToken([b])) throw new Error(`BpeTokenizer: token ${b} must be byte ${b}`);
    }
    this.textVocabSize = textTokens.length;
    const specials = SPECIAL_TOKENS.map(specialContent);
    this.tokens = [...textTokens, ...specials];
    this.ids = new Map();
    this.tokens.forEach((t, i) => {
      if (this.ids.has(t))
        throw new Error(`BpeTokenizer: duplicate token "${t}" (ids ${this.ids.get(t)} and ${i})`);
      this.ids.set(t, i);
    });
    this.special = Object.fromEntries(SPECIAL_TOKENS.map((n, i) => [n, this.textVocabSize + i])) as Record<
      SpecialName,
      number
    >;
    this.specialById = new Map(specials.map((s, i) => [this.textVocabSize + i, s]));
    this.specialRe = new RegExp(`(${specials.map(escapeRe).join('|')})`);
    this.merges = merges.map(([a, b], rank) => {
      const ia = this.ids.get(a);
      const ib = this.ids.get(b);
      const m = this.ids.get(a + b);
      if (ia === undefined || ib === undefined || m === undefined || m >= this.textVocabSize) {
        throw new Error(
          `BpeTokenizer: merge ${rank} ("${a}" "${b}") uses a token missing from the vocabulary`,
        );
      }
      const k = ia * SHIFT + ib;
      if (!this.ranks.has(k)) this.ranks.set(k, rank * SHIFT + m);
      return [a, b] as const;
    });
  }

  static train(texts: Iterable<string> | WordCounter, opts?: TrainOptions): BpeTokenizer {
    const { tokens, merges } = trainBpe(texts, opts);
    return new BpeTokenizer(tokens, merges);
  }

  /** Text vocabulary + special tokens. */
  get vocabSize(): number {
    return this.tokens.length;
  }

  /** Token ids of `text`; special-token strings in the text become their ids (as in Hugging Face). */
  encode(text: string): number[] {
    const out: number[] = [];
    const parts = text.includes('<|') ? text.split(this.specialRe) : [text];
    for (let p = 0; p < parts.length; p++) {
      if (p % 2 === 1) {
        out.push(this.ids.get(parts[p]) as number);
        continue;
      }
      for (const w of preTokenize(parts[p])) {
        for (const id of this.encodeWord(w)) out.push(id);
      }
    }
    return out;
  }

  /** Text of `ids`; special tokens are written out unless `skipSpecial`. Invalid UTF-8 becomes U+FFFD. */
  decode(ids: readonly number[], opts: { skipSpecial?: boolean } = {}): string {
    const dec = new TextDecoder();
    let out = '';
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length) out += dec.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const id of ids) {
      const sp = this.specialById.get(id);
      if (sp !== undefined) {
        flush();
        if (!opts.skipSpecial) out += sp;
      } else if (Number.isInteger(id) && id >= 0 && id < this.textVocabSize) {
        for (const b of tokenToBytes(this.tokens[id])) bytes.push(b);
      } else {
        throw new Error(
          `decode: id ${id} is not a text or special token (vocabulary size ${this.vocabSize})`,
        );
      }
    }
    flush();
    return out;
  }

  private encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const w = utf8Bytes(word); // byte b has id b
    for (;;) {
      let best = Number.POSITIVE_INFINITY;
      let bestKey = -1;
      for (let i = 0; i + 1 < w.length; i++) {
        const k = w[i] * SHIFT + w[i + 1];
        const r = this.ranks.get(k);
        if (r !== undefined && r < best) {
          best = r;
          bestKey = k;
        }
      }
      if (bestKey < 0) break;
      const merged = best % SHIFT;
      let j = 0;
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] * SHIFT + w[i + 1] === bestKey) {
          w[j++] = merged;
          i++;
        } else w[j++] = w[i];
      }
      w.length = j;
    }
    if (this.cache.size >= 50_000) this.cache = new Map();
    this.cache.set(word, w);
    return w;
  }

  /** The Hugging Face `tokenizer.json` object, every field explicit. */
  toJSON(): Record<string, unknown> {
    const vocab: Record<string, number> = {};
    this.tokens.forEach((t, i) => {
      vocab[t] = i;
    });
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL_TOKENS.map((n) => ({
        id: this.special[n],
        content: specialContent(n),
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: null,
      pre_tokenizer: { ...BYTE_LEVEL },
      post_processor: { ...BYTE_LEVEL },
      decoder: { ...BYTE_LEVEL },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges: this.merges.map(([a, b]) => [a, b]),
      },
    };
  }

  /** `tokenizer_config.json` for transformers.js / transformers. */
  configJSON(): Record<string, unknown> {
    return {
      tokenizer_class: 'GPT2Tokenizer',
      add_bos_token: false,
      add_eos_token: false,
      add_prefix_space: false,
      bos_token: '<|bos|>',
      eos_token: '<|eos|>',
      pad_token: '<|pad|>',
      unk_token: null,
      clean_up_tokenization_spaces: false,
      model_max_length: 1024,
      padding_side: 'left',
      additional_special_tokens: ['<|soi|>', '<|eoi|>', '<|t2i|>', '<|mmu|>'],
      added_tokens_decoder: Object.fromEntries(
        SPECIAL_TOKENS.map((n) => [
          String(this.special[n]),
          {
            content: specialContent(n),
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: false,
            special: true,
          },
        ]),
      ),
    };
  }

  /** Loads a tokenizer.json written by `toJSON` (or any byte-level BPE with our special tokens). */
  static fromJSON(json: unknown, source = 'tokenizer.json'): BpeTokenizer {
    const j = json as { model?: Record<string, unknown>; pre_tokenizer?: { type?: string } };
    const fail = (why: string): never => {
      throw new Error(`${source}: ${why}`);
    };
    if (!j || typeof j !== 'object') fail('not a JSON object');
    const model = j.model ?? fail('no "model"');
    if (model.type !== 'BPE') fail(`model.type is ${String(model.type)}, expected BPE`);
    if (j.pre_tokenizer?.type !== 'ByteLevel') fail('pre_tokenizer must be ByteLevel');
    const vocab = model.vocab as Record<string, number>;
    if (!vocab || typeof vocab !== 'object') fail('model.vocab missing');
    const byId: string[] = [];
    for (const [t, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id) || id < 0) fail(`vocab entry "${t}" has invalid id ${id}`);
      if (byId[id] !== undefined) fail(`vocab ids ${id} repeated ("${byId[id]}", "${t}")`);
      byId[id] = t;
    }
    const first = byId.indexOf(specialContent(SPECIAL_TOKENS[0]));
    const text = first < 0 ? byId : byId.slice(0, first);
    for (let i = 0; i < text.length; i++) if (text[i] === undefined) fail(`vocab has no id ${i}`);
    const raw = (model.merges as unknown[]) ?? fail('model.merges missing');
    const merges = raw.map((m, i): [string, string] => {
      if (Array.isArray(m) && m.length === 2) return [String(m[0]), String(m[1])];
      if (typeof m === 'string' && m.split(' ').length === 2) return m.split(' ') as [string, string];
      return fail(`merge ${i} is neither a pair nor "a b": ${JSON.stringify(m)}`);
    });
    const tok = new BpeTokenizer(text, merges);
    SPECIAL_TOKENS.forEach((n, i) => {
      const id = vocab[specialContent(n)];
      if (id !== undefined && id !== tok.textVocabSize + i) fail(`special ${specialContent(n)} has id ${id}`);
    });
    return tok;
  }

  /** Writes tokenizer.json and tokenizer_config.json into `dir` (Node; atomic). */
  async save(dir: string): Promise<void> {
    const { makeDir, writeFileAtomic } = await import('@unif2ace/common/node');
    await makeDir(dir);
    await writeFileAtomic(`${dir}/tokenizer.json`, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
    await writeFileAtomic(`${dir}/tokenizer_config.json`, `${JSON.stringify(this.configJSON(), null, 2)}\n`);
  }

  /** Reads `dir/tokenizer.json` (Node), or a tokenizer.json path. */
  static async load(path: string): Promise<BpeTokenizer> {
    const { readFile, stat } = await import('node:fs/promises');
    const st = await stat(path).catch(() => undefined);
    if (!st) throw new Error(`BpeTokenizer.load: ${path}: no such file or folder`);
    const file = st.isDirectory() ? `${path.replace(/\/$/, '')}/tokenizer.json` : path;
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new Error(`BpeTokenizer.load: cannot read ${file} (${e.code ?? e.message})`);
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`BpeTokenizer.load: ${file} is not valid JSON (${(e as Error).message})`);
    }
    return BpeTokenizer.fromJSON(json, file);
  }
}
