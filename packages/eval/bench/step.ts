// Timing of one probe training step on WASM and of rendering faces (a sizing script, not a test).
// Run: esbuild bench/step.ts --bundle --platform=node --format=esm --packages=external --outfile=.bench/step.mjs && node .bench/step.mjs
// (env: B batch, CH channels, STEM 1|2, DEPTH, THREADS)
import { faceSeed, Rng, renderFace, sampleAttributes, visibleAttributes } from '@unif2ace/data';
import { AdamW, seedInit } from '@unif2ace/nn';
import { init, ops, profileKernels, tensor, tidy } from '@unif2ace/tensor';
import { imagesToArray } from '../src/images.js';
import { headLayout, recordTargets } from '../src/probe/heads.js';
import { ProbeNet } from '../src/probe/model.js';

const B = Number(process.env.B ?? 32);
const channels = (process.env.CH ?? '16,32,64,96,128').split(',').map(Number);
await init({ backend: 'wasm', wasm: { threads: Number(process.env.THREADS ?? 2) } });
const layout = headLayout();
let t0 = performance.now();
const faces = [];
const targets = [];
for (let i = 0; i < B; i++) {
  const seed = faceSeed(1, i);
  const a = sampleAttributes(Rng.derive(seed, 'attributes'));
  faces.push(renderFace(a, { size: 64, seed }));
  targets.push(recordTargets(layout, visibleAttributes(a)));
}
console.log(`render: ${((performance.now() - t0) / B).toFixed(2)} ms/face`);
seedInit(1);
const net = new ProbeNet({
  size: 64,
  channels,
  features: 256,
  groups: 8,
  stemStride: Number(process.env.STEM ?? 2) as 1 | 2,
  depth: Number(process.env.DEPTH ?? 1),
  outputs: layout.width,
});
console.log('params', net.numParameters(), 'heads', layout.heads.length, 'width', layout.width);
const opt = new AdamW(net.parameters(), { lr: 1e-3 });
const x = tensor(imagesToArray(faces), [B, 3, 64, 64]);
const H = layout.heads.length;
const tgt = new Int32Array(B * H);
for (let b = 0; b < B; b++) tgt.set(targets[b], b * H);
const tt = tensor(tgt, [B, H], { dtype: 'i32' });
for (let s = 0; s < 5; s++) {
  t0 = performance.now();
  const loss = tidy(() => {
    const logits = net.forward(x);
    let l = null;
    for (let h = 0; h < H; h++) {
      const hd = layout.heads[h];
      const ce = ops.crossEntropy(
        logits,
        tt
          .slice(1, h, h + 1)
          .reshape([B])
          .contiguous(),
        {
          vocabSlice: [hd.offset, hd.offset + hd.classes.length],
        },
      );
      l = l ? l.add(ce) : ce;
    }
    l = l.div(H);
    l.backward();
    return l;
  });
  opt.update();
  opt.zeroGrad();
  const v = await loss.item();
  if (s === 4) {
    const { kernels } = await profileKernels(() => {
      const l2 = tidy(() => {
        const lg = net.forward(x);
        const l = lg.square().mean();
        l.backward();
        return l;
      });
      opt.zeroGrad();
      l2.dispose();
    });
    kernels.sort((a, b) => b.ms - a.ms);
    console.log(
      kernels
        .slice(0, 14)
        .map((k) => `${k.kernel} ${k.calls}x ${k.ms.toFixed(1)}ms`)
        .join('\n'),
    );
  }
  loss.dispose();
  console.log(`step ${s} loss ${v.toFixed(3)} ${(performance.now() - t0).toFixed(0)} ms (B=${B})`);
}
