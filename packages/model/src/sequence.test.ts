import { BpeTokenizer } from '@unif2ace/data';
import { describe, expect, it } from 'vitest';
import { CAPTION_QUESTION, collate, mmuRow, parseRow, rowMask, t2iRow, Vocab } from './sequence.js';

const tok = BpeTokenizer.train(['a b c', 'eyes are green', CAPTION_QUESTION], {
  vocabSize: 270,
  minFrequency: 1,
});
const T = tok.textVocabSize;
// 2 image tokens, K = 5 codes
const v = new Vocab({ text: T, specials: 7, codes: 5, imageTokens: 2 });
const sp = (n: 'soi' | 'eoi' | 't2i' | 'mmu' | 'pad' | 'bos' | 'eos') => v.special(n);

/** Rows of '1'/'.' strings -> flat u32 mask. */
const hand = (lines: string[]) => Uint32Array.from(lines.join('').split(''), (c) => (c === '1' ? 1 : 0));

describe('vocabulary', () => {
  it('text, 7 specials at textVocab + i, K codes, then [MASK]', () => {
    expect([sp('soi'), sp('eoi'), sp('t2i'), sp('mmu'), sp('pad'), sp('bos'), sp('eos')]).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => T + i),
    );
    expect(tok.encode('<|eos|>')).toEqual([sp('eos')]);
    expect(v.codeStart).toBe(T + 7);
    expect(v.maskId).toBe(T + 12);
    expect(v.size).toBe(T + 13);
  });
});

describe('sequence formats', () => {
  it('T2I: <|t2i|> pads <|bos|> caption <|eos|> <|soi|> codes <|eoi|>, caption left-padded', () => {
    const cap = tok.encode('a b');
    const r = t2iRow(v, tok, 'a b', [3, 1], 6);
    expect(Array.from(r.ids)).toEqual([
      sp('t2i'),
      ...new Array(6 - 2 - cap.length).fill(sp('pad')),
      sp('bos'),
      ...cap,
      sp('eos'),
      sp('soi'),
      v.codeStart + 3,
      v.codeStart + 1,
      sp('eoi'),
    ]);
    expect(r.imageStart).toBe(8);
    expect(parseRow(v, tok, r)).toEqual({ task: 't2i', caption: 'a b', codes: Int32Array.of(3, 1) });
    // null codes: all [MASK]; the caption is cut to textLength - 2
    const m = t2iRow(v, tok, 'eyes are green eyes are green', null, 5);
    expect(Array.from(m.ids.subarray(m.imageStart, m.imageStart + 2))).toEqual([v.maskId, v.maskId]);
    expect(m.ids.length).toBe(5 + 2 + 3);
  });

  it('MMU: <|mmu|> <|soi|> codes <|eoi|> <|bos|> question answer <|eos|>, round trip', () => {
    const r = mmuRow(v, tok, [0, 4], 'eyes are', ' green', 20);
    const q = tok.encode('eyes are');
    const a = tok.encode(' green');
    expect(Array.from(r.ids)).toEqual([
      sp('mmu'),
      sp('soi'),
      v.codeStart,
      v.codeStart + 4,
      sp('eoi'),
      sp('bos'),
      ...q,
      ...a,
      sp('eos'),
    ]);
    expect(r.ids.subarray(r.answerStart, r.answerEnd)).toEqual(Int32Array.from([...a, sp('eos')]));
    expect(parseRow(v, tok, r)).toEqual({
      task: 'mmu',
      question: 'eyes are',
      answer: ' green',
      codes: Int32Array.of(0, 4),
    });
    const cap = mmuRow(v, tok, [1, 2], CAPTION_QUESTION, 'a b c', 40);
    expect(parseRow(v, tok, cap).question).toBe(CAPTION_QUESTION);
    // a prompt (answer null) ends after the question
    expect(mmuRow(v, tok, [1, 2], 'a', null, 20).ids.at(-1)).toBe(tok.encode('a').at(-1));
  });

  it('rejects codes of the wrong count or range, naming them', () => {
    expect(() => t2iRow(v, tok, 'a', [1, 2, 3], 6)).toThrow(/3 image codes, the model reads 2/);
    expect(() => mmuRow(v, tok, [1, 9], 'a', 'b', 20)).toThrow(/code 9 at 1 is outside \[0, 5\]/);
  });
});

describe('attention masks', () => {
  it('T2I: causal text, pads never keys, the image span sees all non-pad positions', () => {
    // t2i pad bos c eos | soi i1 i2 eoi  (textLength 4: pad bos c eos)
    const r = t2iRow(v, tok, 'c', [1, 2], 4);
    expect(tok.encode('c')).toHaveLength(1);
    expect(r.ids[1]).toBe(sp('pad'));
    const m = rowMask(v, r, 9);
    expect(m).toEqual(
      hand([
        '1........',
        '1........', // pad query: causal, sees t2i only (pad keys never)
        '1.1......',
        '1.11.....',
        '1.111....',
        '1.1111111', // soi
        '1.1111111',
        '1.1111111',
        '1.1111111', // eoi
      ]),
    );
  });

  it('MMU: bidirectional through <|eoi|>, causal after; batch padding attends position 0 only', () => {
    // mmu soi i1 i2 eoi bos a eos (+1 pad column from collation)
    const r = mmuRow(v, tok, [1, 2], '', 'a', 20);
    expect(r.ids.length).toBe(8);
    const m = rowMask(v, r, 9);
    expect(m).toEqual(
      hand([
        '11111....',
        '11111....',
        '11111....',
        '11111....',
        '11111....', // eoi
        '111111...', // bos
        '1111111..',
        '11111111.',
        '1........', // past the row's end
      ]),
    );
  });

  it('collate pads rows to one length and stacks their masks (tasks mixed in one batch)', () => {
    const a = t2iRow(v, tok, 'c', [1, 2], 4);
    const b = mmuRow(v, tok, [1, 2], '', 'a', 20);
    const c = collate(v, [a, b]);
    expect(c.S).toBe(9);
    expect(c.groups).toEqual(['generation', 'understanding']);
    expect(c.ids.subarray(9, 18)).toEqual(Int32Array.from([...b.ids, sp('pad')]));
    expect(c.mask.subarray(0, 81)).toEqual(rowMask(v, a, 9));
    expect(c.mask.subarray(81)).toEqual(rowMask(v, b, 9));
  });
});
