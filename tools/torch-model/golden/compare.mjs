// Our logits for the twin's golden JSON: loads a model folder with UniF2ace.load, rebuilds the batch's rows
// from its text (the token ids must equal the twin's), runs model.forward and model.loss (eval mode) and
// prints the max differences as JSON; exits 1 beyond the tolerance (default 1e-4).
//   node tools/torch-model/golden/compare.mjs --model FOLDER --golden golden.json [--backend cpu|auto] [--tol 1e-4]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UniF2ace } from '@unif2ace/model';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    golden: { type: 'string' },
    backend: { type: 'string', default: 'cpu' },
    tol: { type: 'string', default: '1e-4' },
  },
});
if (!values.model || !values.golden)
  throw new Error('usage: compare.mjs --model FOLDER --golden golden.json');
const g = JSON.parse(readFileSync(values.golden, 'utf8'));
const model = await UniF2ace.load(values.model, { backend: values.backend });
const rows = g.batch.rows.map((r) =>
  r.task === 't2i' ? model.t2iRow(r.caption, r.codes) : model.mmuRow(r.codes, r.question, r.answer),
);
const idsEqual = rows.every(
  (r, b) => r.ids.length === g.ids[b].length && r.ids.every((v, i) => v === g.ids[b][i]),
);
const c = model.collate(rows);
const logits = model.forward(c);
const data = await logits.data();
logits.dispose();
const V = g.vocab;
let maxPick = 0;
for (const p of g.picks) {
  const o = (p.row * c.S + p.pos) * V;
  for (let j = 0; j < V; j++) maxPick = Math.max(maxPick, Math.abs(data[o + j] - p.logits[j]));
}
let maxMean = 0;
let maxNorm = 0;
let argmaxMismatch = 0;
for (let b = 0; b < c.B; b++) {
  for (let s = 0; s < c.S; s++) {
    const o = (b * c.S + s) * V;
    let sum = 0;
    let sq = 0;
    let best = 0;
    for (let j = 0; j < V; j++) {
      sum += data[o + j];
      sq += data[o + j] ** 2;
      if (data[o + j] > data[o + best]) best = j;
    }
    maxMean = Math.max(maxMean, Math.abs(sum / V - g.stats.mean[b][s]));
    maxNorm = Math.max(
      maxNorm,
      Math.abs(Math.sqrt(sq) - g.stats.norm[b][s]) / Math.max(1, g.stats.norm[b][s]),
    );
    if (best !== g.stats.argmax[b][s]) argmaxMismatch++;
  }
}
const L = g.batch.loss;
model.eval();
const r = model.loss(
  {
    t2i: L.t2i.map((e) => ({ caption: e.caption, codes: Int32Array.from(e.codes) })),
    mmu: L.mmu.map((e) => ({ codes: Int32Array.from(e.codes), question: e.question, answer: e.answer })),
  },
  { seed: L.seed, alpha: L.alpha, cfgDropout: L.cfgDropout },
);
const lossDiff = {};
for (const [k, t] of Object.entries({ total: r.total, ...r.parts })) {
  if (k in g.loss) lossDiff[k] = Math.abs((await t.data())[0] - g.loss[k]);
}
const tol = Number(values.tol);
const maxLoss = Math.max(...Object.values(lossDiff));
const ok =
  idsEqual && maxPick <= tol && maxMean <= tol && maxNorm <= tol && maxLoss <= tol && argmaxMismatch === 0;
console.log(
  JSON.stringify({
    backend: values.backend,
    idsEqual,
    maxPick,
    maxMean,
    maxNorm,
    argmaxMismatch,
    lossDiff,
    ok,
  }),
);
model.dispose();
process.exit(ok ? 0 : 1);
