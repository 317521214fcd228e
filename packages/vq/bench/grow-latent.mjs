// Experiment helper: a tokenizer with one more FSQ latent channel, made from a trained one so that it
// reconstructs exactly as the source does (a start for `unif2ace-vq train --init OUT --levels ...,L`):
// the encoder's 1x1 output conv gets one more output row (small random weights, zero bias), the decoder's
// input conv one more input channel, zeroed, so the new channel is ignored until training moves it.
//   node bench/grow-latent.mjs --from DIR --out DIR [--level 5]
// (run `pnpm build` first). Checks that the grown tokenizer decodes a batch of faces as the source does.
import { heldOutFaces, imagesToTensor } from '@unif2ace/eval';
import { init, noGrad, tensor, tidy } from '@unif2ace/tensor';
import { ImageTokenizer } from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) {
    if (dflt === undefined) throw new Error(`grow-latent: --${name} is required`);
    return dflt;
  }
  if (i + 1 >= args.length) throw new Error(`grow-latent: --${name} needs a value`);
  return args[i + 1];
};
const from = opt('from');
const out = opt('out');
const level = Number(opt('level', '5'));
if (!(Number.isInteger(level) && level >= 2)) throw new Error(`grow-latent: --level must be an integer >= 2`);

await init({ backend: 'wasm', wasm: { threads: 1 } });
const src = await ImageTokenizer.load(from);
if (src.config.quantizer.kind !== 'fsq') throw new Error(`grow-latent: ${from} is not an FSQ tokenizer`);
const D = src.config.codec.latentChannels;
const grown = ImageTokenizer.create(
  { ...src.config.codec, latentChannels: D + 1 },
  { kind: 'fsq', levels: [...src.config.quantizer.levels, level] },
);
const srcState = src.stateDict();
const state = grown.stateDict();
const values = new Map();
for (const [name, p] of state) {
  const s = srcState.get(name);
  if (!s) throw new Error(`grow-latent: ${name} is not in ${from}`);
  const a = await s.data();
  if (s.shape.join() === p.shape.join()) {
    values.set(name, tensor(Array.from(a), p.shape));
    continue;
  }
  const b = Float32Array.from(await p.data()); // the fresh initialisation
  if (name === 'encoder.convOut.weight' || name === 'encoder.convOut.bias') {
    // [D + 1, ...]: the first D rows copied; the new row keeps its fresh initialisation (bias zero), so the
    // new channel carries codes from the start and the decoder's zeroed input weights get a gradient at once
    const row = a.length / D;
    b.set(a, 0);
    if (name.endsWith('bias')) b.fill(0, D * row);
  } else if (name === 'decoder.convIn.weight') {
    // [Cout, D + 1, k, k]: input channel D zeroed
    const [cout, , kh, kw] = p.shape;
    const k = kh * kw;
    b.fill(0);
    for (let o = 0; o < cout; o++)
      for (let c = 0; c < D; c++)
        for (let j = 0; j < k; j++) b[(o * (D + 1) + c) * k + j] = a[(o * D + c) * k + j];
  } else throw new Error(`grow-latent: unexpected shape change in ${name}: ${s.shape} -> ${p.shape}`);
  values.set(name, tensor(Array.from(b), p.shape));
}
grown.loadStateDict(values);
for (const t of values.values()) t.dispose();

// The check: same reconstructions on 32 held-out faces.
src.eval();
grown.eval();
const x = imagesToTensor(heldOutFaces(32, { size: src.imageSize }).map((f) => f.image));
const [ra, rb] = await Promise.all(
  [src, grown].map((t) => noGrad(() => tidy(() => t.decode(t.encode(x)))).data()),
);
let maxDiff = 0;
for (let i = 0; i < ra.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ra[i] - rb[i]));
if (maxDiff > 1e-5)
  throw new Error(`grow-latent: the grown tokenizer decodes differently (max |diff| ${maxDiff})`);
await grown.save(out, { grownFrom: from });
console.log(
  `grow-latent: ${out}: levels ${JSON.stringify(grown.config.quantizer.levels)} (${grown.codebookSize} codes), ` +
    `same reconstructions as ${from} (max |diff| ${maxDiff.toExponential(1)})`,
);
