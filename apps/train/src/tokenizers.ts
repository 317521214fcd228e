// The run's two tokenizers, each made once and kept in the run folder: the byte-level BPE text tokenizer
// (trained on the training split's captions, questions and answers) and the image tokenizer (a copy of
// vq's shipped weights, or a small one trained here with vq's API for tiny configs).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BpeTokenizer } from '@unif2ace/data';
import { imagesToTensor } from '@unif2ace/eval';
import { AdamW, clipGradNorm, decayGroups, seedInit, warmupCosine } from '@unif2ace/nn';
import { tidy } from '@unif2ace/tensor';
import { ImageTokenizer } from '@unif2ace/vq';
import type { DataConfig, ImageTokenizerConfig, TextTokenizerConfig } from './config.js';
import { type FaceItem, tokenizerTexts } from './data.js';
import type { Log } from './log.js';
import { batchIndices } from './order.js';

export async function obtainTextTokenizer(
  cfg: TextTokenizerConfig,
  runDir: string,
  items: readonly FaceItem[],
  log: Log,
): Promise<BpeTokenizer> {
  const dir = join(runDir, 'tokenizer');
  if (existsSync(join(dir, 'tokenizer.json'))) return BpeTokenizer.load(dir);
  const t0 = performance.now();
  const tok = BpeTokenizer.train(tokenizerTexts(items), {
    vocabSize: cfg.vocabSize,
    minFrequency: cfg.minFrequency,
  });
  await tok.save(dir);
  log.line(
    `text tokenizer: ${tok.textVocabSize} text tokens + ${tok.numSpecials} specials from ${items.length} faces in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${dir}`,
  );
  return tok;
}

export async function obtainImageTokenizer(
  cfg: ImageTokenizerConfig,
  data: DataConfig,
  runDir: string,
  items: readonly FaceItem[],
  seed: number,
  log: Log,
): Promise<ImageTokenizer> {
  const dir = join(runDir, 'image-tokenizer');
  let tok: ImageTokenizer;
  if (existsSync(join(dir, 'config.json'))) {
    tok = await ImageTokenizer.load(dir);
  } else if (cfg.source === 'shipped') {
    tok = await ImageTokenizer.load();
    await tok.save(dir, { source: '@unif2ace/vq shipped weights' });
    log.line(
      `image tokenizer: vq's shipped weights (${tok.codebookSize} codes on a ${tok.gridSize.join('x')} grid) -> ${dir}`,
    );
  } else {
    const t0 = performance.now();
    seedInit(seed);
    tok = ImageTokenizer.create(
      { imageSize: data.size, ...cfg.codec, channelMult: [...cfg.codec.channelMult] },
      { kind: 'fsq', levels: [...cfg.levels] },
    );
    const withImages = items.filter((f) => f.image);
    if (withImages.length === 0) throw new Error('image tokenizer: no training images');
    const opt = new AdamW(decayGroups(tok.namedParameters(), 0.01), { lr: cfg.lr });
    const schedule = warmupCosine({
      peak: cfg.lr,
      warmup: Math.min(10, cfg.steps - 1),
      total: cfg.steps,
      min: cfg.lr * 0.1,
    });
    const params = tok.parameters();
    tok.train();
    let last = 0;
    for (let step = 0; step < cfg.steps; step++) {
      const idx = batchIndices(seed ^ 0x5eed, step, cfg.batch, withImages.length);
      const loss = tidy(() => {
        const x = imagesToTensor(Array.from(idx, (i) => withImages[i].image!));
        const r = tok.quantizer.quantize(tok.encoder.forward(x));
        const d = tok.decoder.forward(r.zq).sub(x);
        const l = d.abs().mean().add(d.square().mean()).add(r.loss);
        l.backward();
        clipGradNorm(params, 1).dispose();
        return l;
      });
      opt.lr = schedule(step);
      opt.update();
      opt.zeroGrad();
      last = await loss.item();
      loss.dispose();
      if ((step + 1) % 10 === 0 || step === cfg.steps - 1)
        log.status(`image tokenizer: step ${step + 1}/${cfg.steps} loss ${last.toFixed(4)}`);
    }
    opt.dispose();
    tok.eval();
    await tok.save(dir, { steps: String(cfg.steps), loss: last.toFixed(5) });
    log.line(
      `image tokenizer: trained ${tok.numParameters().toLocaleString()} parameters for ${cfg.steps} steps (loss ${last.toFixed(4)}; ${tok.codebookSize} codes on a ${tok.gridSize.join('x')} grid) in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${dir}`,
    );
  }
  tok.eval();
  if (tok.imageSize !== data.size)
    throw new Error(
      `image tokenizer in ${dir} reads ${tok.imageSize} px images, data.size is ${data.size}: use a matching data.size or another --out`,
    );
  return tok;
}
