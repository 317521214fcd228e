// `unif2ace-eval train-probe --out DIR [--count N] [--steps S] [--batch B] [--seed S] ...`
import { parseArgs } from 'node:util';
import { init } from '@unif2ace/tensor';
import { trainProbe } from '../node/train.js';
import { accuracyTable } from '../report/markdown.js';

const HELP = `usage: unif2ace-eval train-probe --out DIR [--count 20000] [--steps 3000] [--batch 32] [--seed 0]
                                 [--lr 0.002] [--warmup 100] [--held-out 2000] [--init PROBE_DIR]
                                 [--weight-decay 0.01] [--channels 24,48,96,128] [--stem-stride 2]
                                 [--depth 1] [--features 256] [--residual] [--shortcuts]
                                 [--ema 0.999] [--loss-weights expression=2,age=2] [--jpeg 0.2]
                                 [--jpeg-420 0.5]
                                 [--threads N] [--backend auto|wasm|webgpu]

Renders --count training faces (train-split seeds; cached in DIR), trains FaceProbe on augmented batches
(shifts, blur, colour jitter), checkpoints to DIR/checkpoints every 100 steps, logs DIR/metrics.jsonl, and
writes the model folder DIR/face-probe/ (config.json, model.safetensors in f16, accuracy.json) with the
per-attribute table on --held-out test-split faces. Re-running with the same options resumes.
--init starts from a trained probe folder (a second schedule) instead of random weights.
--channels/--stem-stride/--depth/--features/--residual/--shortcuts choose the architecture (default: the
shipped one's; --residual: same-resolution convs as residual blocks, --shortcuts: 1x1 projection shortcuts
around the downsampling convs).
--ema keeps an exponential moving average of the weights (decay per step): the periodic check and the final
table report it too, and the model folder gets the averaged weights (the raw ones' accuracy goes in
config.json's training.raw). --loss-weights weighs the attributes' cross-entropies (others 1; the loss is
their weighted mean), e.g. to give the slow fine-detail heads more of the gradient. --jpeg P round-trips that share of the training
images through JPEG at a quality drawn from 50..95 (default 0: off); --jpeg-420 S writes that share of them with 4:2:0
chroma, as libjpeg does by default (the rest 4:4:4; default 0.5).`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string' },
      count: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
      lr: { type: 'string' },
      'held-out': { type: 'string' },
      init: { type: 'string' },
      warmup: { type: 'string' },
      'weight-decay': { type: 'string' },
      channels: { type: 'string' },
      'stem-stride': { type: 'string' },
      depth: { type: 'string' },
      features: { type: 'string' },
      residual: { type: 'boolean' },
      shortcuts: { type: 'boolean' },
      ema: { type: 'string' },
      jpeg: { type: 'string' },
      'jpeg-420': { type: 'string' },
      'loss-weights': { type: 'string' },
      threads: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.out) {
    console.error(`train-probe: --out is required\n\n${HELP}`);
    return 1;
  }
  const num = (name: string, v: string | undefined, integer = true): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
      throw new Error(
        `train-probe: --${name} must be a non-negative ${integer ? 'integer' : 'number'}, got "${v}"`,
      );
    return n;
  };
  let channels: number[] | undefined;
  if (values.channels !== undefined) {
    channels = values.channels.split(',').map(Number);
    if (channels.length < 2 || !channels.every((c) => Number.isInteger(c) && c > 0))
      throw new Error(
        `train-probe: --channels must be two or more positive integers separated by commas, got "${values.channels}"`,
      );
  }
  const stemStride = num('stem-stride', values['stem-stride']);
  if (stemStride !== undefined && stemStride !== 1 && stemStride !== 2)
    throw new Error(`train-probe: --stem-stride must be 1 or 2, got "${values['stem-stride']}"`);
  const net = Object.fromEntries(
    Object.entries({
      channels,
      stemStride: stemStride as 1 | 2 | undefined,
      depth: num('depth', values.depth),
      features: num('features', values.features),
      residual: values.residual,
      shortcuts: values.shortcuts,
    }).filter(([, v]) => v !== undefined),
  );
  let lossWeights: Record<string, number> | undefined;
  if (values['loss-weights'] !== undefined) {
    lossWeights = {};
    for (const part of values['loss-weights'].split(',')) {
      const [name, w, extra] = part.split('=');
      const n = Number(w);
      if (!name || w === undefined || extra !== undefined || w.trim() === '' || !Number.isFinite(n) || n <= 0)
        throw new Error(
          `train-probe: --loss-weights takes attribute=weight pairs (weight > 0) separated by commas, got "${part}" in "${values['loss-weights']}"`,
        );
      lossWeights[name] = n;
    }
  }
  const augment = jpegAugment(values.jpeg, values['jpeg-420']);
  const backend = values.backend as 'auto' | 'wasm' | 'webgpu';
  if (!['auto', 'wasm', 'webgpu'].includes(backend))
    throw new Error(`train-probe: --backend must be auto, wasm or webgpu, got "${values.backend}"`);
  const threads = num('threads', values.threads);
  const r = await init({ backend, wasm: threads ? { threads } : undefined });
  console.error(`backend: ${r.backend.name}${r.wasm ? ` (${r.wasm.threads} threads)` : ''}`);
  const t0 = Date.now();
  const result = await trainProbe({
    out: values.out,
    count: num('count', values.count),
    steps: num('steps', values.steps),
    batch: num('batch', values.batch),
    seed: num('seed', values.seed),
    lr: num('lr', values.lr, false),
    heldOut: num('held-out', values['held-out']),
    warmup: num('warmup', values.warmup),
    weightDecay: num('weight-decay', values['weight-decay'], false),
    net,
    init: values.init,
    ema: num('ema', values.ema, false),
    lossWeights,
    augment,
    command: `unif2ace-eval train-probe ${args.join(' ')}`,
    log: (l) => console.error(l),
    onProgress: (p) => {
      if (p.phase === 'render' && (p.done % 2000 === 0 || p.done === p.total))
        console.error(`render ${p.done}/${p.total} faces (${(p.elapsedMs / 1000).toFixed(0)} s)`);
      if (p.phase === 'evaluate') console.error(`evaluating on ${p.total} held-out faces`);
    },
  });
  console.log(accuracyTable(result.accuracy, result.unreliable));
  if (result.rawAccuracy)
    console.log(
      `\nthe table: EMA weights (saved); the raw weights on the same faces: ${(100 * result.rawAccuracy.overall).toFixed(2)} % overall (visible ${(100 * result.rawAccuracy.overallVisible).toFixed(2)} %)`,
    );
  console.log(
    `\n${result.steps} steps; ${result.seconds.toFixed(0)} s in this run (${((Date.now() - t0) / 1000).toFixed(0)} s with rendering); model: ${result.modelDir}`,
  );
  result.probe.dispose();
  return 0;
}

function jpegAugment(prob: string | undefined, share420: string | undefined) {
  if (prob === undefined) {
    if (share420 !== undefined)
      throw new Error('train-probe: --jpeg-420 needs --jpeg (the share of images round-tripped)');
    return undefined;
  }
  const augment: { jpegProb: number; jpeg420Share?: number } = { jpegProb: probability('jpeg', prob) };
  if (share420 !== undefined) augment.jpeg420Share = probability('jpeg-420', share420);
  return augment;
}

function probability(name: string, v: string): number {
  const p = Number(v);
  if (v.trim() === '' || !(p >= 0 && p <= 1))
    throw new Error(`train-probe: --${name} takes a probability in [0, 1], got "${v}"`);
  return p;
}
