import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer, BYTE_TO_CHAR, GPT2_PATTERN, preTokenize, trainBpe, WordCounter } from './index.js';

// A small caption/QA-like corpus with enough repetition for merges.
function corpus(n: number): string[] {
  const hair = ['black', 'blond', 'brown', 'red', 'grey', 'white'];
  const out: string[] = [];
  let s = 12345;
  const r = (k: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % k;
  };
  for (let i = 0; i < n; i++) {
    const h = hair[r(hair.length)];
    out.push(`This person has ${h} hair, ${r(5) + 1} freckles and a ${r(2) ? 'wide' : 'faint'} smile.`);
    out.push(`What colour is the hair? ${h[0].toUpperCase()}${h.slice(1)}.`);
    out.push(`Is she wearing glasses?  ${r(2) ? 'Yes' : 'No'}, she's not; it's ${r(100)}% sure.`);
    // Pseudo-words so that there are always more pairs to merge.
    let w = '';
    for (let k = 0; k < 6; k++)
      w += ` ${Array.from({ length: 2 + r(5) }, () => 'etaoinshrdlu'[r(12)]).join('')}`;
    out.push(w);
  }
  return out;
}

const PROBES = [
  '',
  'a',
  'This person has black hair.',
  'What colour is the hair? Blond.',
  "she's, he'll, they've, I'm, we'd, don't, 'S IT'S",
  '12345 67 8.9 1,000,000 0x1F 3.14159',
  '   leading and trailing   ',
  'tabs\tand\nnew\r\nlines\n\n\n  indented',
  'punctuation!!! ??? ... --- (brackets) [x] {y} <z> @#$%^&*_+=|\\/~`',
  'unicode: café naïve Ünïcödé — “quotes” ‘single’ …',
  'CJK 你好世界, 日本語のテキスト, 한국어',
  'emoji 😀👍🏽 👩‍👩‍👧 flags 🇫🇷',
  'combining e\u0301 and zero\u200bwidth',
  'arabic مرحبا hebrew שלום devanagari नमस्ते',
  'digits ٣٤٥ ① ²',
  '<|t2i|><|pad|><|pad|><|bos|>a face with red hair<|eos|><|soi|>',
  '<|mmu|> <|soi|><|eoi|> <|bos|>Is she smiling? yes<|eos|>',
  'not special: <|foo|> <| bos |> <|bos',
  'x'.repeat(300),
  ' '.repeat(17),
  'lone surrogate \ud800 here',
];

describe('byte-level BPE', () => {
  it('uses the GPT-2 byte map', () => {
    expect(BYTE_TO_CHAR[32]).toBe('Ġ');
    expect(BYTE_TO_CHAR[10]).toBe('Ċ');
    expect(BYTE_TO_CHAR[65]).toBe('A');
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect("I'm  here 42!".match(GPT2_PATTERN)).toEqual(['I', "'m", ' ', ' here', ' 42', '!']);
  });

  it('the ASCII pre-tokenizer splits exactly like the GPT-2 regex', () => {
    const alphabet = [
      ' ',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r',
      'a',
      'Z',
      'q',
      '0',
      '7',
      "'",
      "'s",
      "'t",
      "'re",
      "'ll",
      "'ve",
      "'m",
      "'d",
      "'x",
      '.',
      ',',
      '!',
      '-',
      '_',
      '(',
      '"',
      '\v',
      '\f',
      '\x00',
      '\x1c',
      '\x1f',
      '\x7f',
      '~',
    ];
    let seed = 5;
    for (let i = 0; i < 5000; i++) {
      let t = '';
      for (let k = i % 30; k > 0; k--) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        t += alphabet[(seed >>> 16) % alphabet.length];
      }
      expect(preTokenize(t), JSON.stringify(t)).toEqual(t.match(GPT2_PATTERN) ?? []);
    }
  });

  it('learns the most frequent pairs first', () => {
    // Pairs: (a,b) x3, (b,a) x1, (Ġ,a) x1; then (Ġ,ab) and (ab,ab) tie and the lower ids win.
    const { tokens, merges } = trainBpe(['abab ab'], { vocabSize: 300, minFrequency: 1 });
    expect(merges).toEqual([
      ['a', 'b'],
      ['Ġ', 'ab'],
      ['ab', 'ab'],
    ]);
    expect(tokens.slice(256)).toEqual(['ab', 'Ġab', 'abab']);
    expect(trainBpe(['abab ab'], { vocabSize: 300, minFrequency: 2 }).merges).toEqual([['a', 'b']]);
  });

  it('incremental training equals a naive full recount', () => {
    const texts = corpus(300);
    const fast = trainBpe(texts, { vocabSize: 400, minFrequency: 2 });
    expect(fast.merges.length).toBeGreaterThan(100);
    expect(fast.merges).toEqual(naiveTrain(texts, 400, 2));
  });

  it('round-trips text and splits special tokens', () => {
    const tok = BpeTokenizer.train(corpus(500), { vocabSize: 500 });
    expect(tok.textVocabSize).toBe(500);
    expect(tok.vocabSize).toBe(507);
    expect(tok.special).toEqual({ soi: 500, eoi: 501, t2i: 502, mmu: 503, pad: 504, bos: 505, eos: 506 });
    for (const s of PROBES.filter((p) => !p.includes('\ud800'))) expect(tok.decode(tok.encode(s))).toBe(s);
    expect(tok.encode('<|bos|>hi<|eos|>')).toEqual([505, ...tok.encode('hi'), 506]);
    expect(tok.decode([505, ...tok.encode('hi'), 506], { skipSpecial: true })).toBe('hi');
    // Frequent words become single tokens.
    expect(tok.encode(' hair')).toHaveLength(1);
    expect(() => tok.decode([9999])).toThrow(
      'decode: id 9999 is not a text or special token (vocabulary size 507)',
    );
  });

  it('saves and loads tokenizer.json + tokenizer_config.json', async () => {
    const tok = BpeTokenizer.train(corpus(200), { vocabSize: 400 });
    const dir = await mkdtemp(join(tmpdir(), 'tok-'));
    try {
      await tok.save(dir);
      const json = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
      expect(Object.keys(json)).toEqual([
        'version',
        'truncation',
        'padding',
        'added_tokens',
        'normalizer',
        'pre_tokenizer',
        'post_processor',
        'decoder',
        'model',
      ]);
      expect(json.added_tokens[6]).toEqual({
        id: 406,
        content: '<|eos|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      });
      expect(json.model.merges[0]).toHaveLength(2);
      const config = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
      expect(config.clean_up_tokenization_spaces).toBe(false);
      const back = await BpeTokenizer.load(dir);
      expect(back.tokens).toEqual(tok.tokens);
      for (const s of PROBES) expect(back.encode(s)).toEqual(tok.encode(s));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => BpeTokenizer.fromJSON({ model: { type: 'WordPiece' } }, 'x.json')).toThrow(
      'x.json: model.type is WordPiece, expected BPE',
    );
  });
});

describe('interop with @huggingface/tokenizers', () => {
  const tok = BpeTokenizer.train(corpus(2000), { vocabSize: 1000, minFrequency: 2 });
  const hf = new Tokenizer(JSON.parse(JSON.stringify(tok.toJSON())), tok.configJSON());
  const texts = [...PROBES, ...corpus(300), ...randomStrings(300)];

  it('gives the same ids, tokens and decoded text', () => {
    expect(tok.merges.length).toBeGreaterThan(600);
    for (const s of texts) {
      const ids = tok.encode(s);
      expect(hf.encode(s, { add_special_tokens: false }).ids, JSON.stringify(s)).toEqual(ids);
      expect(hf.encode(s).ids, JSON.stringify(s)).toEqual(ids);
      if (ids.length > 0) expect(hf.decode(ids), JSON.stringify(s)).toBe(tok.decode(ids));
    }
    expect(hf.token_to_id('<|soi|>')).toBe(tok.special.soi);
  });
});

function randomStrings(n: number): string[] {
  const alphabet = [
    'a',
    'b',
    'Z',
    ' ',
    '  ',
    '\t',
    '\n',
    '1',
    '23',
    '.',
    ',',
    "'s",
    "'",
    'é',
    'ß',
    '字',
    '😀',
    '-',
    '<|eos|>',
    'hair',
    ' the',
  ];
  let s = 99;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let t = '';
    const len = i % 40;
    for (let k = 0; k < len; k++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      t += alphabet[(s >>> 16) % alphabet.length];
    }
    out.push(t);
  }
  return out;
}

/** Reference: recount every pair after every merge (slow, obviously correct). */
function naiveTrain(texts: string[], vocabSize: number, minFrequency: number): [string, string][] {
  const wc = new WordCounter();
  for (const t of texts) wc.add(t);
  const words = [...wc.counts].map(([w, c]) => ({
    syms: [...new TextEncoder().encode(w)].map((b) => BYTE_TO_CHAR[b]),
    c,
  }));
  const tokens = BYTE_TO_CHAR.slice();
  const id = new Map(tokens.map((t, i) => [t, i]));
  const merges: [string, string][] = [];
  while (tokens.length < vocabSize) {
    const counts = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.syms.length; i++) {
        const k = `${id.get(w.syms[i])},${id.get(w.syms[i + 1])}`;
        counts.set(k, (counts.get(k) ?? 0) + w.c);
      }
    }
    let best: [number, number, number] | undefined;
    for (const [k, c] of counts) {
      const [a, b] = k.split(',').map(Number);
      if (!best || c > best[0] || (c === best[0] && (a < best[1] || (a === best[1] && b < best[2]))))
        best = [c, a, b];
    }
    if (!best || best[0] < minFrequency) break;
    const [a, b] = [tokens[best[1]], tokens[best[2]]];
    merges.push([a, b]);
    if (!id.has(a + b)) {
      id.set(a + b, tokens.length);
      tokens.push(a + b);
    }
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(w.syms[i]);
      }
      w.syms = out;
    }
  }
  return merges;
}

describe('interop check is sensitive', () => {
  it('a tokenizer.json with the merges reordered gives other ids', () => {
    const tok = BpeTokenizer.train(corpus(300), { vocabSize: 600 });
    const json = tok.toJSON() as { model: { merges: unknown[] } };
    json.model.merges.reverse();
    const hf = new Tokenizer(json, tok.configJSON());
    const s = corpus(20).join(' ');
    expect(hf.encode(s).ids).not.toEqual(tok.encode(s));
  });
});
