import { describe, expect, it } from 'vitest';
import { faceSeed, Rng } from '../random.js';
import { sampleAttributes, visibleAttributes } from '../taxonomy/index.js';
import type { AttributeName, VisibleAttributes } from '../taxonomy/types.js';
import { HAIR_WORDS, makeCaption, PHRASES, parseCaption } from './index.js';
import type { Phrasing } from './lexicon.js';

const record = (i: number): VisibleAttributes =>
  visibleAttributes(sampleAttributes(Rng.derive(faceSeed(11, i), 'attributes')));

function check(phrasing: Phrasing, n: number) {
  let words = 0;
  let mentions = 0;
  const problems: string[] = [];
  const texts = new Set<string>();
  for (let i = 0; i < n; i++) {
    const rec = record(i);
    const cap = makeCaption(rec, Rng.derive(i, `caption-${phrasing}`), { phrasing });
    texts.add(
      cap.text
        .replace(/[^A-Za-z ]/g, '')
        .split(' ')
        .slice(0, 3)
        .join(' '),
    );
    const parsed = parseCaption(cap.text);
    problems.push(...parsed.conflicts.map((c) => `#${i} conflict ${c}: ${cap.text}`));
    for (const [k, v] of Object.entries(parsed.attributes)) {
      if (rec[k as AttributeName] !== v)
        problems.push(`#${i} says ${k}=${v}, record ${rec[k as AttributeName]}: ${cap.text}`);
    }
    for (const k of cap.mentioned) {
      if (!(k in parsed.attributes)) problems.push(`#${i} mentions ${k} but it does not parse: ${cap.text}`);
      if (rec[k] === null) problems.push(`#${i} mentions hidden ${k}`);
    }
    expect(cap.words, cap.text).toBeGreaterThanOrEqual(40);
    expect(cap.words, cap.text).toBeLessThanOrEqual(120);
    words += cap.words;
    mentions += Object.keys(parsed.attributes).length;
  }
  expect(problems.slice(0, 5)).toEqual([]);
  return { words: words / n, mentions: mentions / n, openings: texts.size };
}

describe('captions', () => {
  it('never state a false attribute: parsed back over many seeds (train phrasing)', () => {
    const s = check('train', 3000);
    expect(s.mentions).toBeGreaterThanOrEqual(15);
    expect(s.mentions).toBeLessThanOrEqual(20);
    expect(s.words).toBeGreaterThan(55);
    expect(s.openings).toBeGreaterThan(20);
  });

  it('never state a false attribute (held-out phrasing)', () => {
    const s = check('heldout', 1500);
    expect(s.mentions).toBeGreaterThanOrEqual(15);
  });

  it('keeps held-out phrases out of training captions', () => {
    const heldout: string[] = [];
    for (const table of [PHRASES, HAIR_WORDS]) {
      for (const values of Object.values(table)) {
        for (const ph of Object.values(values ?? {})) {
          heldout.push(...(ph?.heldout ?? []));
          for (const t of ph?.train ?? []) expect(ph?.heldout).not.toContain(t);
        }
      }
    }
    for (let i = 0; i < 500; i++) {
      const text = makeCaption(record(i), Rng.derive(i, 'c')).text.toLowerCase();
      for (const h of heldout) {
        expect(
          new RegExp(`(?<![a-z'-])${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z'-])`).test(text),
          `${h} in: ${text}`,
        ).toBe(false);
      }
    }
  });

  it('varies sentence forms and attribute order for the same face', () => {
    const rec = record(1);
    const texts = new Set(Array.from({ length: 30 }, (_, i) => makeCaption(rec, new Rng(i)).text));
    expect(texts.size).toBe(30);
  });

  it('parses hand-written captions', () => {
    const p = parseCaption(
      'A photo of an elderly man with a round face. He has long, curly gray hair and a goatee, wears sunglasses.',
    );
    expect(p.attributes).toEqual({
      age: 'old',
      gender: 'masculine',
      faceShape: 'round',
      hairLength: 'long',
      hairType: 'curly',
      hairColor: 'gray',
      facialHair: 'goatee',
      glasses: 'sunglasses',
    });
    expect(parseCaption('She has red lipstick and brown hair; her eyes: blue eyes').attributes).toMatchObject(
      {
        lipstick: 'red',
        hairColor: 'brown',
        eyeColor: 'blue',
      },
    );
    expect(parseCaption('He has black hair. He has white hair.').conflicts).toHaveLength(1);
  });
});
