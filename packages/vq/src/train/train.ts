// The training loop behind `unif2ace-vq train`: L1 + L2 reconstruction plus the quantizer's loss, AdamW
// with warmup + cosine, gradient clipping; metrics JSONL, held-out evaluation, reconstruction grids,
// atomic checkpoints and exact resume (the batch of step s is a function of (seed, s) alone).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '@unif2ace/data';
import {
  AdamW,
  clipGradNorm,
  decayGroups,
  loadModule,
  safetensorsToTensors,
  saveModule,
  seedInit,
  tensorsToSafetensors,
  warmupCosine,
} from '@unif2ace/nn';
import { loadLatestCheckpoint, writeCheckpoint, writeFileAtomic } from '@unif2ace/nn/node';
import { type BackendName, init, noGrad, scope, type Tensor, tensor, tidy } from '@unif2ace/tensor';
import type { CodecConfig } from '../codec.js';
import { evaluateReconstruction, type ReconstructionMetrics } from '../metrics.js';
import { codeStats, type QuantizerConfig, toRows } from '../quantizer.js';
import type { FSQ } from '../quantizers/fsq.js';
import { ImageTokenizer } from '../tokenizer.js';
import { type FaceSet, facesToTensor, readFaceDir, renderFaces, tensorToRgb } from './faces.js';
import { initFromTokenizer } from './init.js';
import { PerceptualLoss } from './perceptual.js';

export interface TrainOptions {
  out: string;
  /** A folder written by `unif2ace-data generate` (reads its train and test splits). */
  data?: string;
  /** Render this many training faces instead of reading a folder. */
  render?: number;
  resume?: boolean;
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  seed: number;
  heldOut: number;
  logEvery: number;
  evalEvery: number;
  gridEvery: number;
  checkpointEvery: number;
  codec: CodecConfig;
  quantizer: QuantizerConfig;
  /** Weight of the mean absolute error in the loss (default 1). */
  l1Weight?: number;
  /** Weight of the mean squared error in the loss (default 1; PSNR is a function of it alone). */
  mseWeight?: number;
  /**
   * Weight of the mean squared error of the chroma difference (BT.601 Cb and Cr of x' - x, averaged; default 0).
   * Small colour regions — an iris, lipstick, blush — cost little MSE but decide whole attributes (vq's
   * bench/probe-limits.mjs: the originals' chroma on the reconstructions lifts the makeup group 81 -> 99.8 %).
   */
  chromaWeight?: number;
  /**
   * Weight of the mean squared error of the luma gradient (BT.601 Y of x' - x, differenced between horizontal
   * and vertical neighbours; default 0). MSE lets a decoder blur the 1–2 pixel lines an eyebrow, a lip edge or a
   * wrinkle is drawn with; this term weighs exactly those high frequencies up.
   */
  edgeWeight?: number;
  /**
   * Weight of the mean squared error inside the inner face (`innerFaceWeights`: eyes, brows, nose and mouth of an
   * eye-aligned face; default 0) — the facial-component loss of face restoration (GFPGAN): the pixels that
   * decide eye colour, brows, lips and expression are a tenth of the image, so plain MSE spends most of the
   * code on hair and background.
   */
  faceWeight?: number;
  /**
   * A FaceProbe folder whose network gives the perceptual term (`PerceptualLoss`: distance between its
   * channel-normalised activations at each resolution). Not the probe that judges the tokenizer.
   */
  perceptual?: string;
  /** Weight of the perceptual term (default 0; needs `perceptual`). */
  perceptualWeight?: number;
  /**
   * Weight of the attribute term (default 0; needs `perceptual`): the mean over the network's attribute heads of
   * KL(its softmax on the original || on the reconstruction) — the reconstruction should read as the original.
   */
  attributeWeight?: number;
  /**
   * Start from the weights of this trained tokenizer folder (config.json + model.safetensors) instead of a
   * random init; same codec and quantizer, except that the decoder may have more residual blocks per level
   * (they start as the identity). Ignored once the run has a checkpoint.
   */
  init?: string;
  /** Train the decoder alone: the encoder is frozen (no gradient, no optimizer state), so the codes are fixed. */
  freezeEncoder?: boolean;
  /**
   * FSQ only: weight of the code-entropy term (FSQ.codeEntropy: per-sample entropy minus the entropy of
   * the batch's average soft code assignment), added to the loss; 0 (default) leaves FSQ as in the paper.
   */
  codeEntropyWeight?: number;
  /** Backend to train on (default 'auto': WebGPU on a hardware adapter, else WASM). */
  backend?: BackendName;
  /** WASM worker threads (on a machine shared with other jobs, 1 can be several times faster). */
  threads?: number;
  /** Stop (after a checkpoint) at this step: training in chunks, each resumed with --resume. */
  stopAt?: number;
  /** Stop (after a checkpoint) once this many seconds of training have run in this process. */
  maxSeconds?: number;
  quiet?: boolean;
  /** With resume: the given `steps` replaces the saved total (otherwise the saved hyper-parameters win). */
  stepsGiven?: boolean;
}

export interface TrainResult {
  step: number;
  metrics: ReconstructionMetrics;
  seconds: number;
}

/** Batch of step s: B indices in [0, n) from a seeded stream (mulberry32 of (seed, s)). */
export function batchIndices(seed: number, step: number, B: number, n: number): Int32Array {
  let st = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(step + 1, 0xc2b2ae35)) >>> 0;
  const out = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    st = (st + 0x6d2b79f5) >>> 0;
    let t = st;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  }
  return out;
}

const fmtTime = (s: number) => {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
};

/** A reconstruction grid: originals in the top row, reconstructions below, as PNG bytes. */
export async function reconstructionGrid(orig: Tensor, recon: Tensor): Promise<Uint8Array> {
  const [B, , H, W] = orig.shape;
  const top = await tensorToRgb(orig);
  const bottom = await tensorToRgb(recon);
  const gw = B * W;
  const rgb = new Uint8Array(gw * 2 * H * 3);
  for (const [row, src] of [top, bottom].entries())
    for (let b = 0; b < B; b++)
      for (let y = 0; y < H; y++) {
        const s = (b * H * W + y * W) * 3;
        rgb.set(src.subarray(s, s + W * 3), ((row * H + y) * gw + b * W) * 3);
      }
  return encodePng(rgb, gw, 2 * H);
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const log = (s: string) => {
    if (!opts.quiet) process.stderr.write(`${s}\n`);
  };
  const ini = await init({
    backend: opts.backend ?? 'auto',
    wasm: opts.threads ? { threads: opts.threads } : undefined,
  });
  log(`backend: ${ini.backend.name} (${ini.reason})${ini.wasm ? `, ${ini.wasm.threads} threads` : ''}`);
  mkdirSync(opts.out, { recursive: true });
  const ckRoot = join(opts.out, 'checkpoints');
  const hpPath = join(opts.out, 'hparams.json');

  // Resume: the saved hyper-parameters win (a resumed run is the same run).
  const previous = opts.resume ? loadLatestCheckpoint(ckRoot) : null;
  if (opts.resume && existsSync(hpPath)) {
    const hp = JSON.parse(readFileSync(hpPath, 'utf8'));
    const keepSteps = opts.stepsGiven ? opts.steps : undefined;
    for (const k of [
      'data',
      'render',
      'steps',
      'batch',
      'lr',
      'warmup',
      'seed',
      'heldOut',
      'codec',
      'quantizer',
      'l1Weight',
      'mseWeight',
      'chromaWeight',
      'edgeWeight',
      'faceWeight',
      'perceptual',
      'perceptualWeight',
      'attributeWeight',
      'init',
      'freezeEncoder',
      'codeEntropyWeight',
    ] as const)
      if (hp[k] !== undefined) (opts as unknown as Record<string, unknown>)[k] = hp[k];
    // A new total is allowed (the schedule is a function of the step and the total: say so in the log).
    if (keepSteps !== undefined && keepSteps !== hp.steps) {
      log(`resume: total steps ${hp.steps} -> ${keepSteps}`);
      opts.steps = keepSteps;
    }
  } else if (!opts.resume && existsSync(ckRoot) && loadLatestCheckpoint(ckRoot, { clean: false })) {
    throw new Error(
      `train: ${opts.out} already holds checkpoints; pass --resume to continue or pick a new --out`,
    );
  }
  const { steps, batch: B, seed } = opts;
  const l1Weight = opts.l1Weight ?? 1;
  const mseWeight = opts.mseWeight ?? 1;
  const chromaWeight = opts.chromaWeight ?? 0;
  const edgeWeight = opts.edgeWeight ?? 0;
  const faceWeight = opts.faceWeight ?? 0;
  const perceptualWeight = opts.perceptualWeight ?? 0;
  const attributeWeight = opts.attributeWeight ?? 0;
  const entropyWeight = opts.codeEntropyWeight ?? 0;
  for (const [k, v] of [
    ['l1Weight', l1Weight],
    ['mseWeight', mseWeight],
    ['chromaWeight', chromaWeight],
    ['edgeWeight', edgeWeight],
    ['faceWeight', faceWeight],
    ['perceptualWeight', perceptualWeight],
    ['attributeWeight', attributeWeight],
    ['codeEntropyWeight', entropyWeight],
  ] as const)
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`train: ${k} must be a number >= 0, got ${v}`);
  if (entropyWeight > 0 && opts.quantizer.kind !== 'fsq')
    throw new RangeError(
      `train: codeEntropyWeight is for FSQ (LFQ has its own entropyWeight), the quantizer is ${opts.quantizer.kind}`,
    );
  if (perceptualWeight > 0 && !opts.perceptual)
    throw new RangeError('train: perceptualWeight needs perceptual (a FaceProbe folder for the features)');
  if (attributeWeight > 0 && !opts.perceptual)
    throw new RangeError(
      'train: attributeWeight needs perceptual (a FaceProbe folder for the attribute heads)',
    );
  if (entropyWeight > 0 && opts.freezeEncoder)
    throw new RangeError(
      'train: codeEntropyWeight needs a trainable encoder (it moves the codes); drop freezeEncoder',
    );
  const perceptual =
    perceptualWeight > 0 || attributeWeight > 0 ? await PerceptualLoss.load(opts.perceptual as string) : null;
  if (perceptual && perceptual.imageSize !== opts.codec.imageSize) {
    perceptual.dispose();
    throw new RangeError(
      `train: the perceptual network ${opts.perceptual} takes ${perceptual.imageSize} px images, codec.imageSize is ${opts.codec.imageSize}`,
    );
  }
  writeFileAtomic(
    hpPath,
    `${JSON.stringify({ ...opts, quiet: undefined, resume: undefined, stepsGiven: undefined }, null, 2)}\n`,
  );

  // Data
  const t0 = performance.now();
  const size = opts.codec.imageSize;
  let trainSet: FaceSet;
  let heldOut: FaceSet;
  if (opts.data) {
    trainSet = await readFaceDir(opts.data, { split: 'train', max: opts.render ?? Number.POSITIVE_INFINITY });
    heldOut = await readFaceDir(opts.data, { split: 'test', max: opts.heldOut });
  } else {
    const n = opts.render ?? 20000;
    trainSet = renderFaces(n, {
      size,
      split: 'train',
      onProgress: (d) => process.stderr.write(`\rrendering faces ${d}/${n}`),
    });
    heldOut = renderFaces(opts.heldOut, { size, split: 'test' });
    process.stderr.write('\n');
  }
  if (trainSet.size !== size)
    throw new Error(`train: faces are ${trainSet.size} px, codec.imageSize is ${size}`);
  log(
    `data: ${trainSet.count} training faces, ${heldOut.count} held-out (test split), ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  seedInit(seed);
  const tok = ImageTokenizer.create(opts.codec, opts.quantizer);
  if (opts.init && !previous) {
    const { fresh, freshLatents } = initFromTokenizer(tok, opts.init);
    const notes = [
      fresh.length ? `decoder blocks ${fresh.join(', ')} new (identity at start)` : '',
      freshLatents.length ? `latent channels ${freshLatents.join(', ')} new (unread at start)` : '',
    ].filter(Boolean);
    log(`init: weights from ${opts.init}${notes.map((n) => `; ${n}`).join('')}`);
  }
  if (opts.freezeEncoder) tok.encoder.freeze();
  const trainable = [...tok.namedParameters()].filter(([, p]) => p.requiresGrad);
  const params = trainable.map(([, p]) => p);
  const opt = new AdamW(decayGroups(trainable, 0.01), { lr: opts.lr });
  const schedule = warmupCosine({ peak: opts.lr, warmup: opts.warmup, total: steps, min: opts.lr * 0.05 });
  let step = 0;
  let elapsed = 0;
  if (previous) {
    loadModule(tok, previous.files['model.safetensors'], { file: `${previous.dir}/model.safetensors` });
    const st = safetensorsToTensors(
      previous.files['optimizer.safetensors'],
      `${previous.dir}/optimizer.safetensors`,
    );
    opt.loadStateTensors(st, previous.step);
    for (const t of st.values()) t.dispose();
    const s = previous.state as { step: number; elapsed: number; quantizerState?: unknown };
    step = s.step;
    elapsed = s.elapsed;
    log(
      `resumed from ${previous.dir} (step ${step})${previous.skipped.length ? `; skipped torn: ${previous.skipped.map((x) => x.dir).join(', ')}` : ''}`,
    );
  }
  log(
    `model: ${tok.numParameters().toLocaleString()} parameters (${tok.numParameters({ trainableOnly: true }).toLocaleString()} trained${opts.freezeEncoder ? ', encoder frozen' : ''}), ${tok.codebookSize} codes on a ${tok.gridSize.join('x')} grid`,
  );

  const metricsPath = join(opts.out, 'metrics.jsonl');
  const appendMetrics = (o: object) => writeFileSync(metricsPath, `${JSON.stringify(o)}\n`, { flag: 'a' });
  const heldBatch = (s: number, e: number) =>
    facesToTensor(
      heldOut,
      Array.from({ length: e - s }, (_, i) => s + i),
    );

  const evaluate = async () => {
    const m = await evaluateReconstruction(tok, heldOut.count, heldBatch, { batch: 32 });
    appendMetrics({ kind: 'eval', step, time: new Date().toISOString(), elapsed, ...m });
    return m;
  };
  const grid = async () => {
    const x = heldBatch(0, Math.min(8, heldOut.count));
    tok.eval();
    const codes = tok.encode(x);
    const r = tok.decode(codes);
    tok.train();
    mkdirSync(join(opts.out, 'grids'), { recursive: true });
    writeFileAtomic(
      join(opts.out, 'grids', `step-${String(step).padStart(6, '0')}.png`),
      await reconstructionGrid(x, r),
    );
    for (const t of [x, codes, r]) t.dispose();
  };
  const checkpoint = async () => {
    const files = {
      'model.safetensors': await saveModule(tok),
      'optimizer.safetensors': await tensorsToSafetensors(opt.stateTensors()),
    };
    writeCheckpoint(ckRoot, step, files, { step, elapsed, config: tok.config }, { keepLast: 2 });
  };

  // Training
  const windowCodes: number[] = [];
  let sums = { loss: 0, l1: 0, mse: 0, q: 0, h: 0, n: 0 };
  let windowStart = performance.now();
  const runStart = performance.now();
  let stopped = false;
  const onSignal = () => {
    stopped = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const faceWeights = faceWeight > 0 ? innerFaceWeights(size) : null;
  tok.train();
  while (step < steps && !stopped) {
    const idx = batchIndices(seed, step, B, trainSet.count);
    const stepStart = performance.now();
    const parts = await scope(async () => {
      const x = facesToTensor(trainSet, idx);
      // A frozen encoder records no graph (its backward would be thrown away).
      const z = opts.freezeEncoder ? noGrad(() => tok.encoder.forward(x)) : tok.encoder.forward(x);
      if (tok.quantizer.maintain) await tok.quantizer.maintain(z.detach());
      const r = tok.quantizer.quantize(z);
      const recon = tok.decoder.forward(r.zq);
      const ent = entropyWeight > 0 ? (tok.quantizer as FSQ).codeEntropy(toRows(z)) : null;
      const [l1, mse, loss] = tidy(() => {
        const d = recon.sub(x);
        const a = d.abs().mean();
        const sq = d.square();
        const b = sq.mean();
        let l = a.mul(l1Weight).add(b.mul(mseWeight)).add(r.loss);
        if (chromaWeight > 0) l = l.add(chromaMse(d).mul(chromaWeight));
        if (edgeWeight > 0) l = l.add(lumaGradientMse(d).mul(edgeWeight));
        if (faceWeights) l = l.add(sq.mul(faceWeights).mean().mul(faceWeight));
        if (perceptual) {
          const t = perceptual.terms(recon, x, {
            distance: perceptualWeight > 0,
            attributes: attributeWeight > 0,
          });
          if (t.distance) l = l.add(t.distance.mul(perceptualWeight));
          if (t.attributes) l = l.add(t.attributes.mul(attributeWeight));
        }
        return [a, b, ent ? l.add(ent.loss.mul(entropyWeight)) : l];
      });
      loss.backward();
      clipGradNorm(params, 1).dispose();
      const codes = await r.codes.data();
      for (const c of codes) windowCodes.push(c);
      return {
        loss: await loss.item(),
        l1: await l1.item(),
        mse: await mse.item(),
        q: await r.loss.item(),
        h: ent ? await ent.codebook.item() : 0,
      };
    });
    opt.lr = schedule(step);
    opt.update();
    opt.zeroGrad();
    step++;
    elapsed += (performance.now() - stepStart) / 1000;
    sums = {
      loss: sums.loss + parts.loss,
      l1: sums.l1 + parts.l1,
      mse: sums.mse + parts.mse,
      q: sums.q + parts.q,
      h: sums.h + parts.h,
      n: sums.n + 1,
    };
    if (step % opts.logEvery === 0 || step === steps) {
      const secs = (performance.now() - windowStart) / 1000;
      const ips = (sums.n * B) / secs;
      const { usage, perplexity } = codeStats(windowCodes, tok.codebookSize);
      const row = {
        step,
        time: new Date().toISOString(),
        elapsed,
        loss: sums.loss / sums.n,
        l1: sums.l1 / sums.n,
        mse: sums.mse / sums.n,
        quantizerLoss: sums.q / sums.n,
        trainPsnr: 10 * Math.log10(4 / (sums.mse / sums.n)),
        lr: opt.lr,
        imagesPerSec: ips,
        windowUsage: usage,
        windowPerplexity: perplexity,
        // exp of the batch's soft codebook entropy (FSQ.codeEntropy), where that term is on
        ...(entropyWeight > 0 ? { softPerplexity: Math.exp(sums.h / sums.n) } : {}),
      };
      appendMetrics(row);
      if (!opts.quiet) {
        const frac = step / steps;
        const bar = '#'.repeat(Math.round(frac * 24)).padEnd(24, '.');
        const eta = ((steps - step) * B) / ips;
        process.stderr.write(
          `\r[${bar}] ${step}/${steps} loss ${row.loss.toFixed(4)} psnr~${row.trainPsnr.toFixed(1)} usage ${(usage * 100).toFixed(0)}% ppl ${perplexity.toFixed(0)} ${ips.toFixed(1)} img/s ETA ${fmtTime(eta)}   `,
        );
      }
      windowCodes.length = 0;
      sums = { loss: 0, l1: 0, mse: 0, q: 0, h: 0, n: 0 };
      windowStart = performance.now();
    }
    if (step % opts.gridEvery === 0) await grid();
    if (step % opts.evalEvery === 0 && step < steps) {
      const m = await evaluate();
      log(
        `\neval @${step}: PSNR ${m.psnr.toFixed(2)} dB, usage ${(m.usage * 100).toFixed(1)}%, perplexity ${m.perplexity.toFixed(1)} / ${m.codebookSize}`,
      );
    }
    if (step % opts.checkpointEvery === 0 || step === steps) await checkpoint();
    if (opts.maxSeconds && (performance.now() - runStart) / 1000 > opts.maxSeconds) stopped = true;
    if (opts.stopAt !== undefined && step >= opts.stopAt) stopped = true;
    // Let signal handlers run: on WASM every await above resolves as a microtask.
    await new Promise((r) => setImmediate(r));
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (step % opts.checkpointEvery !== 0 && step !== steps) await checkpoint();
  const metrics = await evaluate();
  log(
    `\nstep ${step}: held-out PSNR ${metrics.psnr.toFixed(2)} dB, usage ${(metrics.usage * 100).toFixed(1)}%, perplexity ${metrics.perplexity.toFixed(1)} / ${metrics.codebookSize}; ${fmtTime(elapsed)} of training`,
  );
  // A paused run (--max-seconds, --stop-at, a signal) also leaves a loadable tokenizer: `latest/`, replaced at
  // every pause, so that it can be evaluated or used before the schedule ends.
  const folder = join(opts.out, step === steps ? 'final' : 'latest');
  await tok.save(folder, { step: String(step), psnr: metrics.psnr.toFixed(3) });
  log(`saved ${folder}`);
  faceWeights?.dispose();
  perceptual?.dispose();
  tok.dispose();
  opt.dispose();
  return { step, metrics, seconds: elapsed };
}

/** Mean squared BT.601 chroma (Cb, Cr; no offsets: they cancel in a difference) of an RGB difference [B, 3, H, W], averaged over both. */
export function chromaMse(d: Tensor): Tensor {
  const [r, g, b] = [0, 1, 2].map((c) => d.narrow(1, c, 1));
  const cb = r.mul(-0.168736).add(g.mul(-0.331264)).add(b.mul(0.5));
  const cr = r.mul(0.5).add(g.mul(-0.418688)).add(b.mul(-0.081312));
  return cb.square().mean().add(cr.square().mean()).mul(0.5);
}

/**
 * Mean squared BT.601 luma gradient of an RGB difference [B, 3, H, W]: the horizontal and the vertical
 * neighbour differences of Y, each squared and averaged, then the two averaged.
 */
export function lumaGradientMse(d: Tensor): Tensor {
  const [r, g, b] = [0, 1, 2].map((c) => d.narrow(1, c, 1));
  const y = r.mul(0.299).add(g.mul(0.587)).add(b.mul(0.114));
  const [, , h, w] = y.shape;
  const gx = y.narrow(3, 1, w - 1).sub(y.narrow(3, 0, w - 1));
  const gy = y.narrow(2, 1, h - 1).sub(y.narrow(2, 0, h - 1));
  return gx.square().mean().add(gy.square().mean()).mul(0.5);
}

/**
 * [1, 1, size, size] weights over the inner-face ellipse of an eye-aligned face (centre (0.5, 0.5), half-axes
 * 0.2 across and 0.18 down, in image widths): at 64 px it covers x 19–44 and y 21–43, the brows, eyes, nose and
 * mouth of data's renderer (eyes at y ~0.44, mouth ~0.6; tilts of ±14° and the head's jitter keep them inside)
 * and of ingested photos (eyes aligned to y = 0.4). Inside, each weight is size² / (pixels inside), outside 0,
 * so that the mean of (d² × weights) over [B, C, H, W] is the mean squared d over the ellipse.
 */
export function innerFaceWeights(size: number): Tensor {
  const inside = new Uint8Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const u = ((x + 0.5) / size - 0.5) / 0.2;
      const v = ((y + 0.5) / size - 0.5) / 0.18;
      inside[y * size + x] = u * u + v * v <= 1 ? 1 : 0;
    }
  const area = inside.reduce((a, b) => a + b, 0);
  if (area === 0)
    throw new RangeError(`innerFaceWeights: a ${size} px image has no pixel inside the inner face`);
  return tensor(
    Float32Array.from(inside, (i) => (i * size * size) / area),
    [1, 1, size, size],
  );
}
