#!/usr/bin/env node
// unif2ace-vq: train an image tokenizer on synthetic (or ingested) faces.
import { isEntry } from '@unif2ace/common/node';
import type { CodecConfig } from './codec.js';
import type { QuantizerConfig } from './quantizer.js';
import { train } from './train/train.js';

const USAGE = `usage: unif2ace-vq evaluate [--tokenizer DIR] [--probe DIR|none] [--count 256] [--seed 0] [--threads N] [--out FILE.json]
       unif2ace-vq train (--data DIR | --render N) --out DIR [--resume]
  [--steps 3000] [--batch 16] [--lr 0.002] [--warmup 100] [--seed 0] [--held-out 256]
  [--l1-weight 1] [--mse-weight 1] (loss = l1-weight * mean|x' - x| + mse-weight * mean(x' - x)^2 + quantizer loss)
  [--chroma-weight 0] (+ chroma-weight * mean squared Cb/Cr of x' - x: small colour regions weigh more)
  [--edge-weight 0] (+ edge-weight * mean squared luma gradient of x' - x: thin lines and texture weigh more)
  [--face-weight 0] (+ face-weight * mean squared x' - x inside the inner face: eyes, brows, nose, mouth)
  [--perceptual PROBE_DIR --perceptual-weight 0] (+ W * distance of that face network's normalised activations)
  [--attribute-weight 0] (+ W * KL of that network's attribute heads, original || reconstruction; needs --perceptual)
  [--quantizer fsq|vq-ema|lfq] [--levels 8,5,5,5] [--codebook 1024] [--dim 4] [--entropy-weight 0.1 (lfq)]
  [--image-size 64] [--patch 2] [--channels 32] [--mult 1,2] [--res-blocks 1] [--groups 8]
  [--dec-channels C] [--dec-res-blocks R] (decoder only; default: --channels, --res-blocks)
  [--init TOKENIZER_DIR] (fine-tune: start from those weights; the decoder may be deeper, FSQ may add levels after the source's)
  [--freeze-encoder] (train the decoder alone; codes fixed) [--code-entropy-weight W] (FSQ code-usage term)
  [--log-every 10] [--eval-every 500] [--grid-every 250] [--checkpoint-every 100] [--threads N] [--max-seconds S] [--stop-at STEP]`;

type Flags = Record<string, string | true>;

function parse(argv: string[]): Flags {
  const f: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'\n${USAGE}`);
    const k = a.slice(2);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) f[k] = true;
    else {
      f[k] = v;
      i++;
    }
  }
  return f;
}

const KNOWN = new Set([
  'data',
  'render',
  'out',
  'resume',
  'steps',
  'batch',
  'lr',
  'warmup',
  'seed',
  'held-out',
  'quantizer',
  'levels',
  'codebook',
  'dim',
  'entropy-weight',
  'image-size',
  'patch',
  'channels',
  'mult',
  'res-blocks',
  'l1-weight',
  'mse-weight',
  'chroma-weight',
  'edge-weight',
  'face-weight',
  'perceptual',
  'perceptual-weight',
  'attribute-weight',
  'dec-channels',
  'dec-res-blocks',
  'init',
  'freeze-encoder',
  'code-entropy-weight',
  'groups',
  'log-every',
  'eval-every',
  'grid-every',
  'checkpoint-every',
  'threads',
  'max-seconds',
  'stop-at',
  'quiet',
]);

function num(f: Flags, k: string, d: number): number {
  const v = f[k];
  if (v === undefined) return d;
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new Error(`--${k} needs a number, got ${JSON.stringify(v)}`);
  return n;
}
const list = (f: Flags, k: string, d: number[]) => {
  const v = f[k];
  if (v === undefined) return d;
  const a = String(v).split(',').map(Number);
  if (v === true || a.some((x) => !Number.isInteger(x)))
    throw new Error(`--${k} needs integers like 1,2; got ${JSON.stringify(v)}`);
  return a;
};

async function evaluate(rest: string[]): Promise<number> {
  const f = parse(rest);
  for (const k of Object.keys(f))
    if (!['tokenizer', 'probe', 'count', 'seed', 'threads', 'out'].includes(k))
      throw new Error(`unknown option --${k}\n${USAGE}`);
  const { evaluateTokenizer } = await import('./train/evaluate.js');
  const r = await evaluateTokenizer({
    tokenizer: typeof f.tokenizer === 'string' ? f.tokenizer : undefined,
    probe: f.probe === 'none' ? null : typeof f.probe === 'string' ? f.probe : undefined,
    count: num(f, 'count', 256),
    seed: num(f, 'seed', 0),
    threads: f.threads === undefined ? undefined : num(f, 'threads', 1),
  });
  const lines = [
    `held-out faces: ${r.images}`,
    `PSNR: ${r.psnr.toFixed(2)} dB`,
    `codebook usage: ${(r.usage * 100).toFixed(1)}% of ${r.codebookSize}`,
    `perplexity: ${r.perplexity.toFixed(1)} (${((r.perplexity / r.codebookSize) * 100).toFixed(1)}% of the codebook)`,
  ];
  if ('groups' in r.probe) {
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    lines.push('probe accuracy per group (originals -> reconstructions, ratio; judged attributes only):');
    for (const g of r.probe.groups)
      lines.push(
        `  ${g.group.padEnd(14)} ${pct(g.original)} -> ${pct(g.reconstructed)}  ${pct(g.ratio).padStart(6)}   ${g.judged ? `${pct(g.judged.ratio)}` : '(none judged)'}`,
      );
    lines.push(`lowest ratio: ${pct(r.probe.minRatio)}`);
    if (r.probe.minJudgedRatio !== null)
      lines.push(`lowest ratio over the attributes the probe judges: ${pct(r.probe.minJudgedRatio)}`);
    lines.push(
      'per attribute (originals -> reconstructions, ratio; * = excluded by the probe as unreliable):',
    );
    for (const x of r.probe.attributes)
      lines.push(
        `  ${(x.judged ? x.name : `${x.name} *`).padEnd(18)} ${x.group.padEnd(12)} ${pct(x.original)} -> ${pct(x.reconstructed)}  ${pct(x.ratio)}`,
      );
  } else lines.push(`probe: unavailable (${r.probe.unavailable})`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (typeof f.out === 'string') {
    const { writeFileAtomic } = await import('@unif2ace/nn/node');
    writeFileAtomic(f.out, `${JSON.stringify(r, null, 2)}\n`);
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'evaluate') return evaluate(rest);
  if (cmd !== 'train') {
    // Asked-for help goes to stdout; usage after a wrong command goes to stderr with a non-zero exit.
    const asked = cmd === undefined || cmd === '--help' || cmd === 'help';
    (asked ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return asked ? 0 : 2;
  }
  const f = parse(rest);
  for (const k of Object.keys(f)) if (!KNOWN.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  if (typeof f.out !== 'string') throw new Error(`--out DIR is required\n${USAGE}`);
  if (f.init === true)
    throw new Error(`--init needs a tokenizer folder (config.json + model.safetensors)\n${USAGE}`);
  if (!f.resume && (f.data === undefined) === (f.render === undefined))
    throw new Error(`give exactly one of --data DIR and --render N\n${USAGE}`);
  const kind = (f.quantizer ?? 'fsq') as string;
  const levels = list(f, 'levels', [8, 5, 5, 5]);
  const dim = kind === 'fsq' ? levels.length : num(f, 'dim', kind === 'lfq' ? 10 : 4);
  let quantizer: QuantizerConfig;
  if (kind === 'fsq') quantizer = { kind, levels };
  else if (kind === 'vq-ema') quantizer = { kind, dim, codebookSize: num(f, 'codebook', 1024) };
  else if (kind === 'lfq')
    quantizer =
      f['entropy-weight'] === undefined
        ? { kind, dim }
        : { kind, dim, entropyWeight: num(f, 'entropy-weight', 0.1) };
  else throw new Error(`--quantizer must be fsq, vq-ema or lfq, got ${JSON.stringify(kind)}`);
  const codec: CodecConfig = {
    imageSize: num(f, 'image-size', 64),
    patchSize: num(f, 'patch', 2),
    channels: num(f, 'channels', 32),
    channelMult: list(f, 'mult', [1, 2]),
    resBlocks: num(f, 'res-blocks', 1),
    groups: num(f, 'groups', 8),
    latentChannels: dim,
  };
  if (f['dec-channels'] !== undefined) codec.decoderChannels = num(f, 'dec-channels', 32);
  if (f['dec-res-blocks'] !== undefined) codec.decoderResBlocks = num(f, 'dec-res-blocks', 1);
  await train({
    out: f.out,
    data: typeof f.data === 'string' ? f.data : undefined,
    render: f.render === undefined ? undefined : num(f, 'render', 20000),
    resume: f.resume === true,
    steps: num(f, 'steps', 3000),
    batch: num(f, 'batch', 16),
    lr: num(f, 'lr', 2e-3),
    warmup: num(f, 'warmup', 100),
    seed: num(f, 'seed', 0),
    heldOut: num(f, 'held-out', 256),
    logEvery: num(f, 'log-every', 10),
    evalEvery: num(f, 'eval-every', 500),
    gridEvery: num(f, 'grid-every', 250),
    checkpointEvery: num(f, 'checkpoint-every', 100),
    threads: f.threads === undefined ? undefined : num(f, 'threads', 1),
    maxSeconds: f['max-seconds'] === undefined ? undefined : num(f, 'max-seconds', 0),
    stopAt: f['stop-at'] === undefined ? undefined : num(f, 'stop-at', 0),
    codec,
    quantizer,
    l1Weight: num(f, 'l1-weight', 1),
    mseWeight: num(f, 'mse-weight', 1),
    chromaWeight: num(f, 'chroma-weight', 0),
    edgeWeight: num(f, 'edge-weight', 0),
    faceWeight: num(f, 'face-weight', 0),
    perceptual: typeof f.perceptual === 'string' ? f.perceptual : undefined,
    perceptualWeight: num(f, 'perceptual-weight', 0),
    attributeWeight: num(f, 'attribute-weight', 0),
    init: typeof f.init === 'string' ? f.init : undefined,
    freezeEncoder: f['freeze-encoder'] === true,
    codeEntropyWeight: num(f, 'code-entropy-weight', 0),
    quiet: f.quiet === true,
    stepsGiven: f.steps !== undefined,
  });
  return 0;
}

if (isEntry(import.meta.url))
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`unif2ace-vq: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
