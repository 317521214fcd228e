// The model folder loads by URL (fetch in browsers, file: URLs in Node) and gives the logits of the model it
// was saved from. src/fixtures/tiny-model/ is tinyModel(3) saved as F16; regenerate it with
// UPDATE_FIXTURES=1 (files.node.test.ts writes it).
import { tidy } from '@unif2ace/tensor';
import { checkLeaks, DEVICE, expectClose } from '@unif2ace/tensor/testing';
import { describe, expect, it } from 'vitest';
import { UniF2ace } from './model.js';
import { CAPTIONS, codesFor, TINY, tinyModel } from './test-helpers.js';

checkLeaks();

const FIXTURE = new URL('./fixtures/tiny-model/', import.meta.url);

describe(`UniF2ace.load by URL (${DEVICE})`, () => {
  it('reads config, tokenizers and F16 weights and gives the saved model its logits', async () => {
    const events: string[] = [];
    const back = await UniF2ace.load(FIXTURE, { onProgress: (e) => events.push(e.status) });
    expect(back.config).toEqual(TINY);
    expect(events.at(-1)).toBe('ready');
    expect(events.filter((e) => e === 'done')).toHaveLength(5);
    const m = tinyModel(3).eval();
    const c = m.collate([
      m.t2iRow(CAPTIONS[0], codesFor(0)),
      m.mmuRow(codesFor(1), 'What color are the eyes?', 'Brown.'),
    ]);
    const [a, b] = [tidy(() => m.forward(c)), tidy(() => back.forward(back.collate([...c.rows])))];
    // the fixture holds F16 weights: close, not equal
    expectClose(await b.data(), await a.data(), { atol: 2e-2, rtol: 2e-2, label: 'logits' });
    for (const t of [a, b]) t.dispose();
    m.dispose();
    back.dispose();
  });
});
