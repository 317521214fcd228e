#!/usr/bin/env node
import { parseArgs } from 'node:util';
// What a model folder demonstrably does (the table in README.md, "The shipped model, judged"): generates
// faces from descriptions and lets eval's FaceProbe say whether each stated attribute is seen; asks it about
// the background of its own faces and of held-out renderer faces. Not a test: it prints counts.
// Usage: pnpm build && node apps/demo/bench/judge.mjs [--model DIR] [--seeds 3] [--faces 12]
import { parseCaption } from '@unif2ace/data';
import { FaceProbe, heldOutFaces } from '@unif2ace/eval';
import { UniF2ace } from '@unif2ace/model';
import { init } from '@unif2ace/tensor';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    seeds: { type: 'string', default: '3' },
    faces: { type: 'string', default: '12' },
  },
});
const PROMPTS = [
  'A person with a blue background.',
  'A person with a green background.',
  'A person with a yellow background.',
  'A person with a gray background.',
  'A woman with long red hair.',
  'A man with a full beard.',
];
const COLORS = ['white', 'gray', 'blue', 'green', 'yellow', 'pink', 'purple', 'orange'];
const norm = (s) => s.trim().toLowerCase().replace(/[.!]$/, '');

await init({ backend: 'wasm' });
const model = await UniF2ace.load(values.model);
const probe = await FaceProbe.load();
const tally = {};
const count = (k, ok) => {
  tally[k] ??= [0, 0];
  tally[k][0] += ok ? 1 : 0;
  tally[k][1]++;
};
for (const prompt of PROMPTS) {
  const stated = parseCaption(prompt).attributes;
  for (let seed = 1; seed <= Number(values.seeds); seed++) {
    const { image } = await model.generate(prompt, { seed, steps: 18, cfg: 3 });
    const [seen] = await probe.predict([image]);
    const answer = norm(await model.answer(image, 'What color is the background?'));
    const judged = Object.entries(stated).map(
      ([k, v]) => `${k} ${seen[k] === v ? 'seen' : `seen as ${seen[k]}`}`,
    );
    console.log(`"${prompt}" seed ${seed}: ${judged.join(', ')}; background answer "${answer}"`);
    for (const [k, v] of Object.entries(stated)) count(`generated: ${k} seen as asked`, seen[k] === v);
    if (stated.background && seen.background === stated.background)
      count(`generated ${stated.background} background: answer right`, answer === stated.background);
  }
}
for (const [i, f] of heldOutFaces(Number(values.faces), { seed: 5 }).entries()) {
  const c = f.record.background;
  const other = COLORS[(COLORS.indexOf(c) + 1 + (i % 7)) % 8];
  count(
    'held-out: "What color is the background?" right',
    norm(await model.answer(f.image, 'What color is the background?')) === c,
  );
  count(
    `held-out: "Is the background <its colour>?" → yes`,
    norm(await model.answer(f.image, `Is the background ${c}?`)) === 'yes',
  );
  count(
    `held-out: "Is the background <another>?" → no`,
    norm(await model.answer(f.image, `Is the background ${other}?`)) === 'no',
  );
}
console.log('');
for (const [k, [ok, n]] of Object.entries(tally)) console.log(`${k}: ${ok} / ${n}`);
