// trainProbe: render a pool of training faces (cached in the run folder), train FaceProbe on augmented
// batches with AdamW + warmup/cosine, checkpoint crash-safely (@unif2ace/nn/node) every few hundred steps,
// log metrics as JSONL, and finish with the per-attribute accuracy on held-out faces and the model folder.
// Optional: an exponential moving average of the weights (`ema`; the model folder gets the averaged weights and
// the table reports both) and per-attribute loss weights (`lossWeights`, e.g. more for the slow heads).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mix32, Rng } from '@unif2ace/data';
import {
  AdamW,
  clipGradNorm,
  decayGroups,
  EMA,
  loadModule,
  safetensorsToTensors,
  saveModule,
  tensorsToSafetensors,
  warmupCosine,
} from '@unif2ace/nn';
import { loadLatestCheckpoint, writeCheckpoint, writeFileAtomic } from '@unif2ace/nn/node';
import { noGrad, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import { type ProbeAccuracy, probeAccuracy } from '../probe/accuracy.js';
import { type AugmentOptions, augmentInto, DEFAULT_AUGMENT } from '../probe/augment.js';
import { DEFAULT_NET, type FaceProbeConfig, type UnreliableAttribute } from '../probe/config.js';
import { faceRecord, heldOutFaces, type LabelledFace, renderLabelled, splitSeeds } from '../probe/faces.js';
import { recordTargets } from '../probe/heads.js';
import { headWeights, probeLoss } from '../probe/loss.js';
import { FaceProbe } from '../probe/probe.js';
import { modelCard } from '../report/model-card.js';
import { ensureDir } from './dirs.js';

export interface TrainProbeOptions {
  /** Run folder: checkpoints/, metrics.jsonl, the face pool cache, and the final model folder face-probe/. */
  out: string;
  /** Training faces rendered into the pool (train-split seeds of base seed `seed`). */
  count?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  weightDecay?: number;
  warmup?: number;
  seed?: number;
  /** Held-out (test-split) faces for the final table; `evalCount` of them for the periodic check. */
  heldOut?: number;
  evalCount?: number;
  evalEvery?: number;
  checkpointEvery?: number;
  /** Visible-attribute accuracy below which an attribute is listed as unreliable. */
  reliableAt?: number;
  net?: Partial<FaceProbeConfig['net']>;
  augment?: Partial<AugmentOptions>;
  /** Start from the weights of this probe folder (fine-tuning / a second schedule) instead of random ones. */
  init?: string;
  /**
   * Keep an exponential moving average of the weights with this decay per step (e.g. 0.999; in (0, 1)). The
   * periodic check and the final table then also report the averaged weights, which are what the model
   * folder gets; the raw weights' final accuracy is kept in config.json's `training.raw`.
   */
  ema?: number;
  /** Loss weight per attribute name (others 1): the loss is the weighted mean of the heads' cross-entropies. */
  lossWeights?: Record<string, number>;
  /** The command line, recorded in the model folder. */
  command?: string;
  onProgress?: (p: TrainProgress) => void;
  log?: (line: string) => void;
}

export interface TrainProgress {
  phase: 'render' | 'train' | 'evaluate';
  done: number;
  total: number;
  loss?: number;
  elapsedMs: number;
}

export interface TrainProbeResult {
  probe: FaceProbe;
  accuracy: ProbeAccuracy;
  unreliable: UnreliableAttribute[];
  steps: number;
  /** With `ema`: the raw (not averaged) weights' accuracy on the same held-out faces. */
  rawAccuracy: ProbeAccuracy | null;
  /** Training seconds in this process (not counting earlier runs that were resumed). */
  seconds: number;
  modelDir: string;
  firstLoss: number | null;
  lastLoss: number | null;
}

const int = (v: number, name: string, min = 0) => {
  if (!Number.isInteger(v) || v < min)
    throw new RangeError(`trainProbe: ${name} = ${v} must be an integer >= ${min}`);
  return v;
};

/** The face pool: `count` rendered train faces, cached as raw RGB bytes in the run folder. */
function facePool(out: string, seed: number, count: number, size: number, opts: TrainProbeOptions) {
  const seeds = splitSeeds(seed, 'train', count);
  const file = join(out, `pool-s${seed}-n${count}-${size}px.rgb`);
  const bytesPer = size * size * 3;
  let bytes: Uint8Array;
  const t0 = Date.now();
  if (existsSync(file) && readFileSync(file).length === count * bytesPer) {
    bytes = new Uint8Array(readFileSync(file));
  } else {
    bytes = new Uint8Array(count * bytesPer);
    for (let i = 0; i < count; i++) {
      bytes.set(renderLabelled(seeds[i], size).image.rgb, i * bytesPer);
      if (i % 200 === 199 || i === count - 1)
        opts.onProgress?.({ phase: 'render', done: i + 1, total: count, elapsedMs: Date.now() - t0 });
    }
    writeFileAtomic(file, bytes);
  }
  return { seeds, bytes, bytesPer, size };
}

export async function trainProbe(options: TrainProbeOptions): Promise<TrainProbeResult> {
  const o = {
    count: 20000,
    steps: 3000,
    batch: 32,
    lr: 2e-3,
    weightDecay: 0.01,
    warmup: 100,
    seed: 0,
    heldOut: 2000,
    evalCount: 256,
    evalEvery: 250,
    checkpointEvery: 100,
    reliableAt: 0.98,
    ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TrainProbeOptions),
  };
  int(o.count, 'count', 1);
  int(o.steps, 'steps', 1);
  int(o.batch, 'batch', 1);
  int(o.seed, 'seed');
  int(o.heldOut, 'heldOut', 1);
  if (o.ema !== undefined && !(o.ema > 0 && o.ema < 1))
    throw new RangeError(`trainProbe: ema = ${o.ema} must be a decay in (0, 1), e.g. 0.999`);
  const log = o.log ?? (() => {});
  const out = ensureDir(o.out);
  const ckRoot = join(out, 'checkpoints');
  const aug = { ...DEFAULT_AUGMENT, ...o.augment };
  const net = { ...DEFAULT_NET, ...o.net };
  const probe = FaceProbe.create(net);
  const model = probe.net;
  model.train();
  const layout = probe.layout;
  const H = layout.heads.length;
  const lossWeights = o.lossWeights ? headWeights(layout, o.lossWeights) : undefined;
  const hparams = { ...o, net, augment: aug, onProgress: undefined, log: undefined };
  const pool = facePool(out, o.seed, o.count, net.size, o);
  const targets = new Int32Array(o.count * H);
  for (let i = 0; i < o.count; i++) targets.set(recordTargets(layout, faceRecord(pool.seeds[i])), i * H);

  const opt = new AdamW(decayGroups(model.namedParameters(), o.weightDecay), { lr: o.lr });
  const schedule = warmupCosine({ peak: o.lr, warmup: o.warmup, total: o.steps, min: o.lr * 0.02 });
  let step = 0;
  const ck = loadLatestCheckpoint(ckRoot);
  if (ck) {
    const st = ck.state as { step: number; hparams: unknown };
    // the options that shape the run (not where it is written or how the command was spelled)
    const shape = (h: unknown) => JSON.stringify({ ...(h as object), out: undefined, command: undefined });
    if (shape(st.hparams) !== shape(JSON.parse(JSON.stringify(hparams))))
      throw new Error(
        `trainProbe: ${ck.dir} was written with other options; use a new --out folder or the same options\n  checkpoint: ${JSON.stringify(st.hparams)}\n  now:        ${JSON.stringify(hparams)}`,
      );
    loadModule(model, ck.files['model.safetensors'], { file: join(ck.dir, 'model.safetensors') });
    if (o.ema !== undefined && !ck.files['ema.safetensors'])
      throw new Error(`trainProbe: ${ck.dir} has no ema.safetensors although the run keeps an EMA`);
    const os = safetensorsToTensors(ck.files['optimizer.safetensors']);
    opt.loadStateTensors(os, st.step);
    for (const t of os.values()) t.dispose();
    step = st.step;
    log(`resumed from ${ck.dir} (step ${step})`);
  } else {
    if (o.init) {
      const start = await FaceProbe.load(o.init);
      if (JSON.stringify(start.config.net) !== JSON.stringify(net))
        throw new Error(
          `trainProbe: --init ${o.init} has architecture ${JSON.stringify(start.config.net)}, this run ${JSON.stringify(net)}`,
        );
      loadModule(model, await start.saveWeights({ dtype: 'f32' }));
      start.dispose();
      log(`initialised from ${o.init}`);
    }
    writeFileSync(join(out, 'hparams.json'), `${JSON.stringify(hparams, null, 1)}\n`);
  }
  // the EMA starts at the weights the run starts from (random, --init or the checkpoint, whose shadow follows)
  const params = [...model.namedParameters()];
  const weights = params.map(([, p]) => p);
  const decay = o.ema;
  const ema = decay === undefined ? null : new EMA(weights, decay);
  if (ema && ck) {
    const saved = safetensorsToTensors(ck.files['ema.safetensors'], join(ck.dir, 'ema.safetensors'));
    noGrad(() =>
      params.forEach(([name], i) => {
        const t = saved.get(name);
        if (!t) throw new Error(`trainProbe: ${ck.dir}/ema.safetensors lacks ${name}`);
        ema.shadow[i].copy_(t);
      }),
    );
    for (const t of saved.values()) t.dispose();
  }
  /** Exchange the model's weights with the EMA's (twice = back where it was). */
  const swapEma = () => {
    if (!ema) return;
    tidy(() =>
      noGrad(() =>
        params.forEach(([, p], i) => {
          const tmp = p.detach().clone();
          p.copy_(ema.shadow[i]);
          ema.shadow[i].copy_(tmp);
        }),
      ),
    );
  };
  const emaFiles = async (): Promise<Record<string, Uint8Array>> =>
    ema
      ? {
          'ema.safetensors': await tensorsToSafetensors(
            new Map<string, Tensor>(params.map(([name], i) => [name, ema.shadow[i]])),
          ),
        }
      : {};
  // metrics.jsonl: drop lines past the resumed step (they belong to a run that did not checkpoint them)
  const metricsFile = join(out, 'metrics.jsonl');
  const kept = existsSync(metricsFile)
    ? readFileSync(metricsFile, 'utf8')
        .split('\n')
        .filter((l) => l && JSON.parse(l).step <= step)
    : [];
  writeFileSync(metricsFile, kept.map((l) => `${l}\n`).join(''));
  const append = (rec: Record<string, unknown>) =>
    writeFileSync(metricsFile, `${JSON.stringify(rec)}\n`, { flag: 'a' });

  const evalFaces = heldOutFaces(o.evalCount, { seed: o.seed + 1, size: net.size });
  const evaluate = async (faces: LabelledFace[]) => {
    model.eval();
    const preds = await probe.predict(faces.map((f) => f.image));
    model.train();
    return probeAccuracy(
      preds,
      faces.map((f) => f.record),
      layout,
    );
  };

  const B = o.batch;
  const S = net.size;
  const x = new Float32Array(B * 3 * S * S);
  const tg = new Int32Array(B * H);
  const t0 = Date.now();
  let firstLoss: number | null = null;
  let lastLoss: number | null = null;
  let windowLoss = 0;
  let windowN = 0;
  let windowT = Date.now();
  let windowHostMs = 0;
  while (step < o.steps) {
    const th = performance.now();
    const rng = new Rng(mix32(o.seed + 0x7ab, step));
    for (let b = 0; b < B; b++) {
      const i = Math.floor(rng.next() * o.count);
      const img = {
        rgb: pool.bytes.subarray(i * pool.bytesPer, (i + 1) * pool.bytesPer),
        width: S,
        height: S,
      };
      augmentInto(img, x, b, rng, aug);
      tg.set(targets.subarray(i * H, (i + 1) * H), b * H);
    }
    windowHostMs += performance.now() - th;
    opt.lr = schedule(step);
    const loss = tidy(() => {
      const xt = tensor(x, [B, 3, S, S]);
      const tt = tensor(tg, [B, H], { dtype: 'i32' });
      const l = probeLoss(model.forward(xt), tt, layout, lossWeights);
      l.backward();
      return l;
    });
    clipGradNorm(opt.params(), 1).dispose();
    opt.update();
    opt.zeroGrad();
    ema?.update();
    const lv = await loss.item();
    loss.dispose();
    if (!Number.isFinite(lv)) throw new Error(`trainProbe: loss is ${lv} at step ${step}`);
    step++;
    firstLoss ??= lv;
    lastLoss = lv;
    windowLoss += lv;
    windowN++;
    const rec: Record<string, unknown> = { step, time: (Date.now() - t0) / 1000, loss: lv, lr: opt.lr };
    if (step % 25 === 0 || step === o.steps) {
      const now = Date.now();
      rec.imgsPerSec = (windowN * B * 1000) / Math.max(1, now - windowT);
      // where a step's time goes: assembling the augmented batch on the host vs forward/backward/update
      rec.hostMs = windowHostMs / windowN;
      rec.stepMs = (now - windowT) / windowN - (rec.hostMs as number);
      const eta = Math.round(((o.steps - step) * B) / (rec.imgsPerSec as number));
      log(
        `step ${step}/${o.steps} loss ${(windowLoss / windowN).toFixed(4)} lr ${opt.lr.toExponential(2)} ${(rec.imgsPerSec as number).toFixed(1)} img/s (batch ${(rec.hostMs as number).toFixed(0)} ms + step ${(rec.stepMs as number).toFixed(0)} ms) ETA ${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, '0')}s`,
      );
      windowHostMs = 0;
      windowLoss = 0;
      windowN = 0;
      windowT = now;
    }
    if (step % o.evalEvery === 0 || step === o.steps) {
      const acc = await evaluate(evalFaces);
      rec.evalOverall = acc.overall;
      rec.evalWorst = acc.attributes.reduce((a, b) => (a.accuracy < b.accuracy ? a : b)).name;
      let emaNote = '';
      if (ema) {
        swapEma();
        rec.evalEmaOverall = (await evaluate(evalFaces)).overall;
        swapEma();
        emaNote = `, EMA weights ${(100 * (rec.evalEmaOverall as number)).toFixed(2)} %`;
      }
      log(
        `  held-out check (${o.evalCount} faces): overall ${(100 * acc.overall).toFixed(2)} %, worst ${rec.evalWorst}${emaNote}`,
      );
    }
    append(rec);
    o.onProgress?.({ phase: 'train', done: step, total: o.steps, loss: lv, elapsedMs: Date.now() - t0 });
    if (step % o.checkpointEvery === 0 || step === o.steps) {
      writeCheckpoint(
        ckRoot,
        step,
        {
          'model.safetensors': await saveModule(model),
          'optimizer.safetensors': await tensorsToSafetensors(opt.stateTensors()),
          ...(await emaFiles()),
        },
        { step, hparams },
        { keepLast: 2 },
      );
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  opt.dispose();

  // the final table on held-out faces never seen in training (test split, another base seed)
  o.onProgress?.({ phase: 'evaluate', done: 0, total: o.heldOut, elapsedMs: 0 });
  const faces = heldOutFaces(o.heldOut, { seed: o.seed + 2, size: net.size });
  let rawAccuracy: ProbeAccuracy | null = null;
  if (ema) {
    rawAccuracy = await evaluate(faces);
    log(
      `raw weights on ${o.heldOut} held-out faces: ${(100 * rawAccuracy.overall).toFixed(2)} %; the model folder gets the EMA weights`,
    );
    swapEma(); // from here on the model holds the averaged weights
    ema.dispose();
  }
  const accuracy = await evaluate(faces);
  model.eval();
  const unreliable = accuracy.attributes
    .filter((a) => a.visibleAccuracy < o.reliableAt || a.accuracy < o.reliableAt)
    .map((a) => ({
      name: a.name,
      accuracy: Math.min(a.accuracy, Number.isNaN(a.visibleAccuracy) ? 1 : a.visibleAccuracy),
    }));
  const modelDir = ensureDir(join(out, 'face-probe'));
  const training = {
    command: o.command ?? null,
    init: o.init ?? null,
    steps: o.steps,
    batch: B,
    trainFaces: o.count,
    seed: o.seed,
    heldOutFaces: o.heldOut,
    heldOutOverall: accuracy.overall,
    heldOutOverallVisible: accuracy.overallVisible,
    reliableAt: o.reliableAt,
    ...(o.ema !== undefined
      ? {
          ema: o.ema,
          raw: rawAccuracy && {
            heldOutOverall: rawAccuracy.overall,
            heldOutOverallVisible: rawAccuracy.overallVisible,
          },
        }
      : {}),
    ...(o.lossWeights ? { lossWeights: o.lossWeights } : {}),
  };
  const config = { ...probe.config, unreliable, training };
  writeFileAtomic(join(modelDir, 'model.safetensors'), await probe.saveWeights({ dtype: 'f16' }));
  writeFileAtomic(join(modelDir, 'config.json'), `${JSON.stringify(config, null, 1)}\n`);
  writeFileAtomic(join(modelDir, 'accuracy.json'), `${JSON.stringify(accuracy, null, 1)}\n`);
  writeFileAtomic(join(modelDir, 'README.md'), modelCard(config, accuracy));
  const trained = new FaceProbe(config);
  trained.loadWeights(await probe.saveWeights({ dtype: 'f32' }));
  probe.dispose();
  return {
    probe: trained,
    accuracy,
    rawAccuracy,
    unreliable,
    steps: step,
    seconds,
    modelDir,
    firstLoss,
    lastLoss,
  };
}
