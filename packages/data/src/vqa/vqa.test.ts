import { describe, expect, it } from 'vitest';
import { parseCaption } from '../captions/index.js';
import type { Phrasing } from '../captions/lexicon.js';
import { faceSeed, Rng } from '../random.js';
import { sampleAttributes, visibleAttributes } from '../taxonomy/index.js';
import type { AttributeName, AttributeValue } from '../taxonomy/types.js';
import { answerText, countAccessories, makeQuestions } from './index.js';

function run(phrasing: Phrasing, n: number) {
  let yes = 0;
  let no = 0;
  let total = 0;
  const kinds = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const rec = visibleAttributes(sampleAttributes(Rng.derive(faceSeed(5, i), 'attributes')));
    const qas = makeQuestions(rec, Rng.derive(i, phrasing), { phrasing });
    expect(new Set(qas.map((q) => q.q)).size).toBe(qas.length);
    total += qas.length;
    for (const qa of qas) {
      kinds.set(qa.kind, (kinds.get(qa.kind) ?? 0) + 1);
      expect(qa.a.split(' ').length, qa.q).toBeLessThanOrEqual(2);
      if (qa.a === 'yes') yes++;
      if (qa.a === 'no') no++;
      if (qa.kind === 'yes-no' || qa.kind === 'wearing') {
        const attr = qa.attr as AttributeName;
        expect(rec[attr], `${qa.q} asks about hidden ${attr}`).not.toBeNull();
        expect(qa.a).toBe(rec[attr] === qa.value ? 'yes' : 'no');
        // The question's words name exactly the value recorded in the item.
        const parsed = parseCaption(qa.q).attributes;
        if (attr in parsed) expect(parsed[attr], qa.q).toBe(qa.value);
        else if (!['background', 'age'].includes(attr)) throw new Error(`question does not parse: ${qa.q}`);
      } else if (qa.kind === 'color' || qa.kind === 'kind') {
        const v = rec[qa.attr as AttributeName];
        expect(v, qa.q).not.toBeNull();
        expect(qa.a, qa.q).toBe(answerText(v as AttributeValue));
      } else if (qa.kind === 'count') {
        expect(qa.a).toBe(String(countAccessories(rec)));
      } else if (qa.kind === 'compare' && qa.attr === 'hairLength') {
        const len = ['bald', 'buzz', 'short', 'medium', 'long'].indexOf(rec.hairLength as string);
        const longer = /longer|past the shoulders/.test(qa.q);
        expect(qa.a, qa.q).toBe((longer ? len > 3 : len < 3) ? 'yes' : 'no');
      } else if (qa.kind === 'compare' && qa.attr === 'age') {
        const older = /older/.test(qa.q);
        expect(qa.a, qa.q).toBe((older ? rec.age === 'old' : rec.age === 'young') ? 'yes' : 'no');
      }
    }
  }
  return { yes, no, perImage: total / n, kinds };
}

describe('questions', () => {
  it('about 8 per image, answers agree with the record, yes/no balanced (train phrasing)', () => {
    const r = run('train', 2000);
    expect(r.perImage).toBeGreaterThanOrEqual(7.8);
    // All yes/no answers together (yes/no, wearing and comparison questions).
    expect(r.yes / (r.yes + r.no)).toBeGreaterThan(0.45);
    expect(r.yes / (r.yes + r.no)).toBeLessThan(0.55);
    expect([...r.kinds.keys()].sort()).toEqual(['color', 'compare', 'count', 'kind', 'wearing', 'yes-no']);
  });

  it('answers agree with the record (held-out phrasing)', () => {
    const r = run('heldout', 1000);
    expect(r.perImage).toBeGreaterThanOrEqual(7.8);
  });

  it('uses different question forms for the held-out phrasing', () => {
    const rec = visibleAttributes(sampleAttributes(new Rng(1)));
    const train = new Set<string>();
    const held = new Set<string>();
    for (let i = 0; i < 200; i++) {
      for (const q of makeQuestions(rec, new Rng(i))) train.add(q.q);
      for (const q of makeQuestions(rec, new Rng(i), { phrasing: 'heldout' })) held.add(q.q);
    }
    for (const q of held) expect(train.has(q), q).toBe(false);
  });
});
