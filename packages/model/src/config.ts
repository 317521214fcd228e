// The model's architecture as JSON (configs/{nano,small,base}.json), validated with errors that name the
// field and the file. Vocabulary sizes are not part of it: they come from the tokenizers the model is
// created with and travel in config.json's `vocab` (see vocab.ts).
import { registeredExperts } from '@unif2ace/moe';
import base from '../configs/base.json' with { type: 'json' };
import nano from '../configs/nano.json' with { type: 'json' };
import small from '../configs/small.json' with { type: 'json' };

export interface TokenMoeConfig {
  /** Hidden size of each 'mlp' expert. */
  hidden: number;
  /** Routed experts per group (generation, understanding). */
  routed: number;
  /** Shared experts per group (always on). */
  shared: number;
  topK: number;
  balanceWeight: number;
}

export interface SeqMoeConfig {
  topK: number;
  balanceWeight: number;
  /** Registered sequence-level expert names of the generation group. */
  generation: string[];
  /** Registered sequence-level expert names of the understanding group (same count as generation). */
  understanding: string[];
}

export interface UniF2aceConfig {
  dim: number;
  depth: number;
  heads: number;
  /** Channels of each head that get rotary positions (even, at most dim / heads). */
  rotaryDim: number;
  /** L_text: the T2I text span `<|pad|>… <|bos|> caption <|eos|>` has exactly this many tokens. */
  textLength: number;
  /**
   * The MMU text budget: `<|bos|> question answer <|eos|>` has at most this many tokens (the image prefix
   * `<|mmu|> <|soi|> codes <|eoi|>` comes on top). Longer questions and answers are truncated.
   */
  maxSequence: number;
  tokenMoe: TokenMoeConfig;
  seqMoe: SeqMoeConfig;
}

const TOP_KEYS = ['dim', 'depth', 'heads', 'rotaryDim', 'textLength', 'maxSequence', 'tokenMoe', 'seqMoe'];
const TOKEN_KEYS = ['hidden', 'routed', 'shared', 'topK', 'balanceWeight'];
const SEQ_KEYS = ['topK', 'balanceWeight', 'generation', 'understanding'];

function fail(where: string, msg: string): never {
  throw new RangeError(`${where}: ${msg}`);
}

function object(v: unknown, where: string, at: string, keys: string[]): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new TypeError(`${where}: ${at || 'the config'} must be a JSON object, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!keys.includes(k)) fail(where, `unknown key '${at ? `${at}.` : ''}${k}'; valid: ${keys.join(', ')}`);
  for (const k of keys) if (!(k in o)) fail(where, `missing key '${at ? `${at}.` : ''}${k}'`);
  return o;
}

function int(o: Record<string, unknown>, k: string, where: string, at: string, min: number): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new TypeError(`${where}: ${at}${k} must be an integer, got ${JSON.stringify(v)}`);
  if (v < min) fail(where, `${at}${k} must be >= ${min}, got ${v}`);
  return v;
}

function weight(o: Record<string, unknown>, k: string, where: string, at: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new TypeError(`${where}: ${at}${k} must be a finite number, got ${JSON.stringify(v)}`);
  if (v < 0) fail(where, `${at}${k} must be >= 0, got ${v}`);
  return v;
}

/** Checks a parsed config (unknown keys, types, divisibility, registered experts); returns a clean copy. */
export function validateConfig(raw: unknown, where = 'UniF2aceConfig'): UniF2aceConfig {
  const o = object(raw, where, '', TOP_KEYS);
  const dim = int(o, 'dim', where, '', 1);
  const depth = int(o, 'depth', where, '', 1);
  const heads = int(o, 'heads', where, '', 1);
  if (dim % heads) fail(where, `heads (${heads}) must divide dim (${dim})`);
  const rotaryDim = int(o, 'rotaryDim', where, '', 0);
  if (rotaryDim % 2) fail(where, `rotaryDim must be even, got ${rotaryDim}`);
  if (rotaryDim > dim / heads)
    fail(where, `rotaryDim (${rotaryDim}) exceeds the head size dim / heads = ${dim / heads}`);
  const textLength = int(o, 'textLength', where, '', 3);
  const maxSequence = int(o, 'maxSequence', where, '', 4);
  const t = object(o.tokenMoe, where, 'tokenMoe', TOKEN_KEYS);
  const tokenMoe: TokenMoeConfig = {
    hidden: int(t, 'hidden', where, 'tokenMoe.', 1),
    routed: int(t, 'routed', where, 'tokenMoe.', 1),
    shared: int(t, 'shared', where, 'tokenMoe.', 0),
    topK: int(t, 'topK', where, 'tokenMoe.', 1),
    balanceWeight: weight(t, 'balanceWeight', where, 'tokenMoe.'),
  };
  if (tokenMoe.topK > tokenMoe.routed)
    fail(where, `tokenMoe.topK (${tokenMoe.topK}) exceeds tokenMoe.routed (${tokenMoe.routed})`);
  const s = object(o.seqMoe, where, 'seqMoe', SEQ_KEYS);
  const known = registeredExperts('sequence');
  const names = (k: 'generation' | 'understanding'): string[] => {
    const v = s[k];
    if (!Array.isArray(v) || !v.length || v.some((n) => typeof n !== 'string'))
      throw new TypeError(
        `${where}: seqMoe.${k} must be a non-empty array of expert names, got ${JSON.stringify(v)}`,
      );
    for (const n of v as string[])
      if (!known.includes(n))
        fail(
          where,
          `seqMoe.${k}: '${n}' is not a registered sequence-level expert; registered: ${known.join(', ')}`,
        );
    return [...(v as string[])];
  };
  const seqMoe: SeqMoeConfig = {
    topK: int(s, 'topK', where, 'seqMoe.', 1),
    balanceWeight: weight(s, 'balanceWeight', where, 'seqMoe.'),
    generation: names('generation'),
    understanding: names('understanding'),
  };
  if (seqMoe.generation.length !== seqMoe.understanding.length)
    fail(
      where,
      `seqMoe.generation has ${seqMoe.generation.length} experts, seqMoe.understanding ${seqMoe.understanding.length}; both groups need the same count`,
    );
  if (seqMoe.topK > seqMoe.generation.length)
    fail(where, `seqMoe.topK (${seqMoe.topK}) exceeds the experts per group (${seqMoe.generation.length})`);
  return { dim, depth, heads, rotaryDim, textLength, maxSequence, tokenMoe, seqMoe };
}

/** The shipped architectures (configs/*.json). */
export const PRESETS: { nano: UniF2aceConfig; small: UniF2aceConfig; base: UniF2aceConfig } = {
  nano: validateConfig(nano, 'configs/nano.json'),
  small: validateConfig(small, 'configs/small.json'),
  base: validateConfig(base, 'configs/base.json'),
};
