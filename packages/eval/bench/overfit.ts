// Does the probe overfit its pool? Mean per-head cross-entropy and accuracy of a trained probe on N faces of
// its training pool (train split of base seed POOL_SEED, no augmentation) vs N held-out faces (test split of
// base seed HELD_SEED). A sizing script, not a test.
// Run: esbuild bench/overfit.ts --bundle --platform=node --format=esm --packages=external --outfile=.bench/overfit.mjs
//      PROBE=/work/runs/probe5/p4/face-probe POOL_SEED=3 HELD_SEED=5 N=1024 node .bench/overfit.mjs
import { init, tensor, tidy } from '@unif2ace/tensor';
import { probeAccuracy } from '../src/probe/accuracy.js';
import { heldOutFaces, type LabelledFace, renderLabelled, splitSeeds } from '../src/probe/faces.js';
import { recordTargets } from '../src/probe/heads.js';
import { probeLoss } from '../src/probe/loss.js';
import { FaceProbe } from '../src/probe/probe.js';

const env = process.env;
const N = Number(env.N ?? 1024);
await init({ backend: 'wasm', wasm: { threads: Number(env.THREADS ?? 1) } });
const probe = await FaceProbe.load(env.PROBE as string);
probe.net.eval();
const layout = probe.layout;
const H = layout.heads.length;

async function measure(name: string, faces: LabelledFace[]) {
  let sum = 0;
  for (let s = 0; s < faces.length; s += 64) {
    const part = faces.slice(s, s + 64);
    const tg = new Int32Array(part.length * H);
    part.forEach((f, i) => {
      tg.set(recordTargets(layout, f.record), i * H);
    });
    const lg = probe.logits(part.map((f) => f.image));
    const l = tidy(() => probeLoss(lg, tensor(tg, [part.length, H], { dtype: 'i32' }), layout));
    sum += (await l.item()) * part.length;
    l.dispose();
    lg.dispose();
  }
  const preds = await probe.predict(faces.map((f) => f.image));
  const acc = probeAccuracy(
    preds,
    faces.map((f) => f.record),
    layout,
  );
  const worst = [...acc.attributes].sort((a, b) => a.accuracy - b.accuracy).slice(0, 6);
  console.log(
    `${name}: loss ${(sum / faces.length).toFixed(4)}  overall ${(100 * acc.overall).toFixed(2)} %  ${worst.map((a) => `${a.name} ${(100 * a.accuracy).toFixed(1)}`).join(', ')}`,
  );
}
const pool = splitSeeds(Number(env.POOL_SEED ?? 3), 'train', N).map((s) => renderLabelled(s));
await measure(`pool (base seed ${env.POOL_SEED ?? 3}, ${N} faces, no augmentation)`, pool);
await measure(
  `held-out (base seed ${env.HELD_SEED ?? 5}, ${N} faces)`,
  heldOutFaces(N, { seed: Number(env.HELD_SEED ?? 5) }),
);
