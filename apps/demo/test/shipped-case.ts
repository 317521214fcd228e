// What the shipped-model tests ask, and why these. Measured on the nano model (README, "The shipped model,
// judged"): FaceProbe sees the asked background colour in 12 of 12 generated faces (blue, green, yellow, gray,
// 3 seeds each), while hair, beard and gender come out near chance — so the description states the background
// only. Its answers are mostly at the prior ("white"; "no" to every yes/no question), except that it names a
// green background right (3 of 3 generated green faces): the test asks about that one, and checks the caption
// parses back to attributes.
import { attributeSpec, parseCaption } from '@unif2ace/data';
import { expect } from 'vitest';
import { shippedModelDir } from '../src/model-dir.js';

/** The model folder these tests judge: the shipped one, or UNIF2ACE_DEMO_MODEL (e.g. another checkpoint). */
export const SHIPPED_MODEL = process.env.UNIF2ACE_DEMO_MODEL ?? shippedModelDir();

const BACKGROUNDS = attributeSpec('background').values.map(String);

export const SHIPPED_CASE = {
  prompt: 'A person with a green background.',
  attribute: 'background' as const,
  value: 'green',
  seeds: [1, 2, 3],
  /** Of the seeds, how many faces must show the background (16 of 18 measured: P(fewer than 2 of 3) ≈ 3 %). */
  mustShow: 2,
  question: 'What color is the background?',
  checkAnswer(answer: string): void {
    expect(BACKGROUNDS, `the answer to "${this.question}"`).toContain(
      answer.toLowerCase().replace(/[.!]$/, ''),
    );
  },
  checkCaption(caption: string): void {
    const parsed = parseCaption(caption);
    expect(Object.keys(parsed.attributes).length, caption).toBeGreaterThanOrEqual(3);
  },
};
