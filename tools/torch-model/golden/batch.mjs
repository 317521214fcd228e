// The fixed mixed T2I/MMU batch of the golden test, tokenised with a model folder's tokenizer (the twin gets
// token ids; the Node test rebuilds the rows from the text):
//   node tools/torch-model/golden/batch.mjs --model FOLDER --out batch.json
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UniF2ace } from '@unif2ace/model';

const { values } = parseArgs({ options: { model: { type: 'string' }, out: { type: 'string' } } });
if (!values.model || !values.out) throw new Error('usage: batch.mjs --model FOLDER --out batch.json');
const model = await UniF2ace.load(values.model, { backend: 'cpu' });
const { imageTokens: N, codes: K } = model.vocab.sizes();
const codes = (i, masked = 0) =>
  Array.from({ length: N }, (_, j) => (j % 5 < masked ? K : (i * 7 + j * 3 + ((i * j) % 5)) % K));
const rows = [
  { task: 't2i', caption: 'A young woman with long red hair and green eyes.', codes: codes(1, 2) },
  { task: 't2i', caption: '', codes: null },
  {
    task: 't2i',
    caption: 'An old man with a grey beard, brown eyes, short black hair, glasses and a hat, smiling widely.',
    codes: codes(2, 0),
  },
  { task: 'mmu', codes: codes(3), question: 'What color are the eyes?', answer: 'Green.' },
  {
    task: 'mmu',
    codes: codes(4),
    question: 'Describe this face in detail.',
    answer: 'A man with short black hair and a grey beard, smiling, with brown eyes and glasses.',
  },
  { task: 'mmu', codes: codes(5), question: 'Is the person wearing glasses?', answer: null },
];
const enc = (t) => (t ? model.tokenizer.encode(t) : []);
for (const r of rows) {
  if (r.task === 't2i') r.captionIds = enc(r.caption);
  else {
    r.questionIds = enc(r.question);
    r.answerIds = r.answer === null ? null : enc(r.answer);
  }
}
// a training batch for the loss check (eval mode: the Noise expert is 0; cfgDropout 0.5 so some captions drop)
const loss = {
  seed: 1234,
  cfgDropout: 0.5,
  alpha: 0.01,
  t2i: [0, 1, 2, 3].map((i) => ({
    caption: ['A smiling woman.', 'A man with a beard.', 'Red hair.', ''][i],
    codes: codes(10 + i).map((c) => c % K),
  })),
  mmu: [0, 1].map((i) => ({
    codes: codes(20 + i).map((c) => c % K),
    question: ['What color are the eyes?', 'Describe this face in detail.'][i],
    answer: ['Brown.', 'A young woman with long red hair.'][i],
  })),
};
for (const e of loss.t2i) e.captionIds = enc(e.caption);
for (const e of loss.mmu) {
  e.questionIds = enc(e.question);
  e.answerIds = enc(e.answer);
}
writeFileSync(values.out, `${JSON.stringify({ rows, loss })}\n`);
console.log(
  `wrote ${values.out}: ${rows.length} rows, loss batch ${loss.t2i.length} t2i + ${loss.mmu.length} mmu`,
);
model.dispose();
