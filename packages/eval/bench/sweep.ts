// Short probe trainings compared at equal wall time: the same loop as trainProbe (pool of rendered train
// faces, host augmentation, AdamW + warm-up/cosine, clip 1) with the knobs in env variables, a held-out
// check every EVAL_EVERY_S seconds and a per-attribute line at the end. A sizing script, not a test.
// Run: esbuild bench/sweep.ts --bundle --platform=node --format=esm --packages=external --outfile=.bench/sweep.mjs
//      NAME=base SECONDS=300 STEPS=1500 CH=24,48,96,128 STEM=2 node .bench/sweep.mjs
// env: POOL (faces, 24000), POOL_DIR (cache folder), B (32), LR (2e-3), WD (0.01), WARMUP (100), STEPS (the
// schedule's length), SECONDS (wall budget), CH, STEM, DEPTH, FEAT, GROUPS, AUG (JSON, over DEFAULT_AUGMENT),
// EVAL (held-out faces, 600; test split of base seed 7, never the shipped table's seed), EVAL_EVERY_S (60),
// THREADS (1), OVERFIT (train on only this many pool faces, no augmentation: a capacity check).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mix32, Rng } from '@unif2ace/data';
import { AdamW, clipGradNorm, decayGroups, warmupCosine } from '@unif2ace/nn';
import { init, tensor, tidy } from '@unif2ace/tensor';
import { probeAccuracy } from '../src/probe/accuracy.js';
import { augmentInto, DEFAULT_AUGMENT } from '../src/probe/augment.js';
import { DEFAULT_NET } from '../src/probe/config.js';
import { faceRecord, heldOutFaces, renderLabelled, splitSeeds } from '../src/probe/faces.js';
import { recordTargets } from '../src/probe/heads.js';
import { probeLoss } from '../src/probe/loss.js';
import { FaceProbe } from '../src/probe/probe.js';

const env = process.env;
const NAME = env.NAME ?? 'run';
const POOL = Number(env.POOL ?? 24000);
const POOL_DIR = env.POOL_DIR ?? '/tmp/probe-pools';
const B = Number(env.B ?? 32);
const LR = Number(env.LR ?? 2e-3);
const WD = Number(env.WD ?? 0.01);
const WARMUP = Number(env.WARMUP ?? 100);
// STEPS=auto with SECONDS: the schedule's length is fitted to the budget after 20 timed steps
const AUTO = (env.STEPS ?? 'auto') === 'auto';
let STEPS = AUTO ? 1e9 : Number(env.STEPS);
const SECONDS = Number(env.SECONDS ?? 1e9);
const EVAL = Number(env.EVAL ?? 600);
const EVAL_EVERY_S = Number(env.EVAL_EVERY_S ?? 60);
const OVERFIT = Number(env.OVERFIT ?? 0);
const net = {
  ...DEFAULT_NET,
  ...(env.CH ? { channels: env.CH.split(',').map(Number) } : {}),
  ...(env.STEM ? { stemStride: Number(env.STEM) as 1 | 2 } : {}),
  ...(env.DEPTH ? { depth: Number(env.DEPTH) } : {}),
  ...(env.FEAT ? { features: Number(env.FEAT) } : {}),
  ...(env.GROUPS ? { groups: Number(env.GROUPS) } : {}),
  ...(env.RES ? { residual: env.RES === '1' } : {}),
  ...(env.SHORT ? { shortcuts: env.SHORT === '1' } : {}),
};
const aug = { ...DEFAULT_AUGMENT, ...(env.AUG ? JSON.parse(env.AUG) : {}) };
await init({ backend: 'wasm', wasm: { threads: Number(env.THREADS ?? 1) } });

const S = net.size;
const bytesPer = S * S * 3;
const seeds = splitSeeds(0, 'train', POOL);
mkdirSync(POOL_DIR, { recursive: true });
const file = join(POOL_DIR, `pool-s0-n${POOL}-${S}px.rgb`);
let bytes: Uint8Array;
const tr = Date.now();
if (existsSync(file)) bytes = new Uint8Array(readFileSync(file));
else {
  bytes = new Uint8Array(POOL * bytesPer);
  for (let i = 0; i < POOL; i++) bytes.set(renderLabelled(seeds[i], S).image.rgb, i * bytesPer);
  writeFileSync(file, bytes);
  console.error(`rendered ${POOL} faces in ${((Date.now() - tr) / 1000).toFixed(0)} s`);
}
const probe = FaceProbe.create(net);
const model = probe.net;
const layout = probe.layout;
const H = layout.heads.length;
const targets = new Int32Array(POOL * H);
for (let i = 0; i < POOL; i++) targets.set(recordTargets(layout, faceRecord(seeds[i])), i * H);
const held = heldOutFaces(EVAL, { seed: 7, size: S });
const evaluate = async () => {
  model.eval();
  const acc = probeAccuracy(
    await probe.predict(held.map((f) => f.image)),
    held.map((f) => f.record),
    layout,
  );
  model.train();
  return acc;
};
model.train();
const opt = new AdamW(decayGroups(model.namedParameters(), WD), { lr: LR });
let schedule = warmupCosine({ peak: LR, warmup: WARMUP, total: STEPS, min: LR * 0.02 });
const x = new Float32Array(B * 3 * S * S);
const tg = new Int32Array(B * H);
const noAug = { ...aug, maxShift: 0, blurProb: 0, brightness: 0, contrast: 0, channelGain: 0 };
console.error(
  `${NAME}: net ${JSON.stringify(net)} aug ${JSON.stringify(aug)} B ${B} lr ${LR} steps ${STEPS} params ${model.numParameters()}`,
);
const t0 = Date.now();
let lastEval = 0;
let winLoss = 0;
let winN = 0;
let hostMs = 0;
let step = 0;
let evalMs = 0;
const line = (acc: Awaited<ReturnType<typeof evaluate>>, tag: string) =>
  console.log(
    `${NAME} ${tag} t=${((Date.now() - t0 - evalMs) / 1000).toFixed(0)}s step=${step} loss=${(winLoss / Math.max(1, winN)).toFixed(4)} ` +
      `held-out ${(100 * acc.overall).toFixed(2)} vis ${(100 * acc.overallVisible).toFixed(2)} host ${(hostMs / Math.max(1, step)).toFixed(1)}ms/step`,
  );
while (step < STEPS && Date.now() - t0 - evalMs < SECONDS * 1000) {
  const th = performance.now();
  const rng = new Rng(mix32(0x7ab, step));
  for (let b = 0; b < B; b++) {
    const i = Math.floor(rng.next() * (OVERFIT || POOL));
    const img = { rgb: bytes.subarray(i * bytesPer, (i + 1) * bytesPer), width: S, height: S };
    augmentInto(img, x, b, rng, OVERFIT ? noAug : aug);
    tg.set(targets.subarray(i * H, (i + 1) * H), b * H);
  }
  hostMs += performance.now() - th;
  opt.lr = schedule(step);
  const loss = tidy(() => {
    const l = probeLoss(model.forward(tensor(x, [B, 3, S, S])), tensor(tg, [B, H], { dtype: 'i32' }), layout);
    l.backward();
    return l;
  });
  clipGradNorm(opt.params(), 1).dispose();
  opt.update();
  opt.zeroGrad();
  winLoss += await loss.item();
  winN++;
  loss.dispose();
  step++;
  if (AUTO && step === 20) {
    STEPS = Math.round((SECONDS * 1000 * 20) / (Date.now() - t0));
    schedule = warmupCosine({ peak: LR, warmup: WARMUP, total: STEPS, min: LR * 0.02 });
    console.error(
      `${NAME}: ${((Date.now() - t0) / 20).toFixed(0)} ms/step -> ${STEPS} steps in ${SECONDS} s`,
    );
  }
  if (Date.now() - t0 - evalMs - lastEval >= EVAL_EVERY_S * 1000) {
    const te = Date.now();
    line(await evaluate(), 'check');
    winLoss = 0;
    winN = 0;
    lastEval = Date.now() - t0 - evalMs;
    evalMs += Date.now() - te; // the checks do not count against the budget
  }
}
const acc = await evaluate();
line(acc, 'final');
console.log(
  `${NAME} per-attribute (visible %): ${acc.attributes.map((a) => `${a.name} ${(100 * (Number.isNaN(a.visibleAccuracy) ? a.accuracy : a.visibleAccuracy)).toFixed(0)}`).join(', ')}`,
);
