// What limits the probe ratios? The eval probe's per-attribute accuracy on held-out faces after
//   - the tokenizer (encode -> codes -> decode),
//   - finer quantization of the same encoder output fed to the same decoder: each FSQ level step split in
//     k (k = 2, 4: about D * log2(k) more bits per code, no training) and no rounding at all (continuous),
//   - the tokenizer's luma with the originals' chroma, and the other way round (YCbCr swap),
//   - image degradations of known PSNR (Gaussian blur, JPEG, and white noise at the tokenizer's own PSNR:
//     the same MSE with no structure), for scale,
// each relative to the probe's accuracy on the originals.
//   node bench/probe-limits.mjs [--tokenizer DIR] [--probe DIR] [--count 512] [--threads 1] [--out FILE.json]
// (run `pnpm build` first: this imports dist/). Prints per-group ratios and per-attribute accuracies.
import { writeFileSync } from 'node:fs';
import { Rng } from '@unif2ace/common';
import {
  blurred,
  FaceProbe,
  heldOutFaces,
  imagesToTensor,
  jpegRoundTrip,
  probeAccuracy,
  tensorToImages,
} from '@unif2ace/eval';
import { init, noGrad, ops, tensor, tidy } from '@unif2ace/tensor';
import { FSQ, fromRows, ImageTokenizer, toRows } from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  if (i + 1 >= args.length) throw new Error(`probe-limits: --${name} needs a value`);
  return args[i + 1];
};
const count = Number(opt('count', '512'));
const threads = Number(opt('threads', '1'));
if (!(Number.isInteger(count) && count > 0))
  throw new Error(`probe-limits: --count must be a positive integer`);

await init({ backend: 'wasm', wasm: { threads } });
const tok = await ImageTokenizer.load(opt('tokenizer', undefined));
tok.eval();
if (!(tok.quantizer instanceof FSQ))
  throw new Error('probe-limits: the finer-quantization rows need an FSQ tokenizer');
const fsq = tok.quantizer;
const faces = heldOutFaces(count, { size: tok.imageSize });
const images = faces.map((f) => f.image);
const records = faces.map((f) => f.record);

// Decoder input for split k of each level step (k = Infinity: the bounded latent, unrounded). k = 1 is what
// the tokenizer does (FSQ.quantize's zq).
const latents = (z, k) => {
  const [B, , h, w] = z.shape;
  const halfWidth = tensor(
    fsq.levels.map((l) => Math.floor(l / 2)),
    [1, fsq.dim],
  );
  let b = fsq.bound(toRows(z));
  if (Number.isFinite(k)) b = ops.unary('round', b.mul(k)).div(k);
  return fromRows(b.div(halfWidth), B, h, w);
};

const reconstruct = async (k) => {
  const out = [];
  for (let s = 0; s < count; s += 32) {
    const x = imagesToTensor(images.slice(s, s + 32));
    const y = noGrad(() => tidy(() => tok.decoder.forward(latents(tok.encoder.forward(x), k)).clamp(-1, 1)));
    out.push(...(await tensorToImages(y)));
    x.dispose();
    y.dispose();
  }
  return out;
};

// Mean over images of the per-image PSNR on the [-1, 1] scale (peak-to-peak 2), as evaluate reports it.
const imagePsnr = (a, b) => {
  let sum = 0;
  a.forEach((img, i) => {
    let se = 0;
    for (let j = 0; j < img.rgb.length; j++) {
      const d = (img.rgb[j] - b[i].rgb[j]) / 127.5;
      se += d * d;
    }
    sum += 10 * Math.log10(4 / Math.max(se / img.rgb.length, 1e-12));
  });
  return sum / a.length;
};

// Luma / chroma swaps (BT.601 YCbCr): the tokenizer's luma with the originals' chroma and the other way
// round — which of the two carries what the probe loses.
const mix = (lumaFrom, chromaFrom) =>
  lumaFrom.map((a, i) => {
    const b = chromaFrom[i];
    const rgb = new Uint8Array(a.rgb.length);
    for (let j = 0; j < rgb.length; j += 3) {
      const y = 0.299 * a.rgb[j] + 0.587 * a.rgb[j + 1] + 0.114 * a.rgb[j + 2];
      const yb = 0.299 * b.rgb[j] + 0.587 * b.rgb[j + 1] + 0.114 * b.rgb[j + 2];
      // same chroma as b: each channel keeps b's offset from b's luma
      for (let c = 0; c < 3; c++) rgb[j + c] = Math.min(255, Math.max(0, Math.round(b.rgb[j + c] - yb + y)));
    }
    return { rgb, width: a.width, height: a.height };
  });
// Gaussian noise of the tokenizer's MSE (PSNR on the [-1, 1] scale: MSE = 4 / 10^(psnr / 10)), rounded and
// clipped like any image; seeded, so every run adds the same noise.
const noisy = (psnr) => {
  const sigma = 127.5 * Math.sqrt(4 / 10 ** (psnr / 10));
  const rng = new Rng(1234);
  return images.map((img) => ({
    ...img,
    rgb: img.rgb.map((v) => Math.min(255, Math.max(0, Math.round(v + sigma * rng.normal())))),
  }));
};
let tokenized = null;
const tokenizerImages = async () => {
  tokenized ??= await reconstruct(1);
  return tokenized;
};

const variants = [
  ['tokenizer (k=1)', tokenizerImages],
  ['tokenizer luma, orig chroma', async () => mix(await tokenizerImages(), images)],
  ['orig luma, tokenizer chroma', async () => mix(images, await tokenizerImages())],
  ['levels split k=2', () => reconstruct(2)],
  ['levels split k=4', () => reconstruct(4)],
  ['continuous', () => reconstruct(Number.POSITIVE_INFINITY)],
  ['blur sigma 0.5', async () => images.map(blurred(0.5))],
  ['blur sigma 0.8', async () => images.map(blurred(0.8))],
  ['jpeg q75', async () => images.map(jpegRoundTrip(75))],
  ['jpeg q40', async () => images.map(jpegRoundTrip(40))],
  ['white noise, tokenizer MSE', async () => noisy(imagePsnr(images, await tokenizerImages()))],
];

const probe = await FaceProbe.load(opt('probe', undefined));
const base = probeAccuracy(await probe.predict(images), records);
const rows = [];
for (const [name, make] of variants) {
  const t0 = performance.now();
  const imgs = await make();
  const acc = probeAccuracy(await probe.predict(imgs), records);
  const groups = new Map();
  acc.attributes.forEach((a, i) => {
    const g = groups.get(a.group) ?? { o: 0, r: 0 };
    g.o += base.attributes[i].accuracy;
    g.r += a.accuracy;
    groups.set(a.group, g);
  });
  const row = {
    name,
    psnr: imagePsnr(images, imgs),
    groups: Object.fromEntries([...groups].map(([g, v]) => [g, v.r / v.o])),
    attributes: Object.fromEntries(acc.attributes.map((a) => [a.name, a.accuracy])),
    seconds: (performance.now() - t0) / 1000,
  };
  rows.push(row);
  const sorted = Object.entries(row.groups).sort((p, q) => p[1] - q[1]);
  console.log(
    `${name.padEnd(28)} PSNR ${row.psnr.toFixed(2)}  ${sorted.map(([g, r]) => `${g} ${(100 * r).toFixed(1)}`).join(', ')}`,
  );
}
probe.dispose();
tok.dispose();

console.log(`\nper attribute (accuracy on originals, then each row above; ${count} faces):`);
console.log(['attribute', 'group', 'orig', ...rows.map((_, i) => `r${i}`)].join('\t'));
base.attributes
  .map((a, i) => [a, i])
  .sort((p, q) => p[0].group.localeCompare(q[0].group))
  .forEach(([a]) => {
    console.log(
      [a.name, a.group, a.accuracy.toFixed(3), ...rows.map((r) => r.attributes[a.name].toFixed(3))].join(
        '\t',
      ),
    );
  });
const out = opt('out', undefined);
if (out) {
  const original = Object.fromEntries(
    base.attributes.map((a) => [a.name, { group: a.group, accuracy: a.accuracy }]),
  );
  writeFileSync(out, `${JSON.stringify({ count, original, rows }, null, 1)}\n`);
}
