// Fine-tuning from a trained tokenizer (`unif2ace-vq train --init DIR`): copy its weights into a new model
// whose codec and quantizer match, except that the model may grow in two ways, each starting out as the
// source did (it reconstructs exactly as the source on its first step):
// - a deeper decoder (more residual blocks per level): the extra blocks start as the identity (their second
//   conv zeroed: out = x + conv2(...) = x);
// - an FSQ quantizer with more channels (the source's levels a prefix of the new ones, e.g. 8,5,5,5 ->
//   8,5,5,5,5): more bits per code. The encoder's new latent channels keep their fresh initialisation and
//   the decoder's first conv reads them through zeroed weights; the old channels keep their mixed-radix
//   places, so an old code c is the new code c + (new channels' digits) * old codebook size.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { safetensorsToTensors } from '@unif2ace/nn';
import { noGrad, ops, zeros } from '@unif2ace/tensor';
import { type CodecConfig, ResBlock } from '../codec.js';
import type { QuantizerConfig } from '../quantizer.js';
import { ENCODER_CODEC_KEYS, type ImageTokenizer, validateTokenizerConfig } from '../tokenizer.js';

/** Index in `blocks` of each level's residual blocks, in the decoder's order (deepest level first). */
function decoderLayout(c: CodecConfig): { res: number[]; upConv?: number }[] {
  const R = c.decoderResBlocks ?? c.resBlocks;
  const out: { res: number[]; upConv?: number }[] = [];
  let i = 0;
  for (let level = c.channelMult.length - 1; level >= 0; level--) {
    const res = Array.from({ length: R }, (_, r) => i + r);
    i += R;
    // Upsample (no weights), then the conv after it.
    out.push(level > 0 ? { res, upConv: i + 1 } : { res });
    if (level > 0) i += 2;
  }
  return out;
}

/**
 * Source decoder block index -> target index (each level's blocks go to the first blocks of the same
 * level; the up-sampling convs follow their level). `fresh`: the target residual blocks with no source.
 */
export function decoderBlockMap(
  from: CodecConfig,
  to: CodecConfig,
): { map: Map<number, number>; fresh: number[] } {
  const a = decoderLayout(from);
  const b = decoderLayout(to);
  const map = new Map<number, number>();
  const fresh: number[] = [];
  a.forEach((la, k) => {
    const lb = b[k];
    la.res.forEach((src, r) => {
      map.set(src, lb.res[r]);
    });
    for (let r = la.res.length; r < lb.res.length; r++) fresh.push(lb.res[r]);
    if (la.upConv !== undefined && lb.upConv !== undefined) map.set(la.upConv, lb.upConv);
  });
  return { map, fresh };
}

/** The source's latent channels when an FSQ quantizer grows from it (its levels a prefix of ours), else null. */
function grownLatents(from: QuantizerConfig, to: QuantizerConfig): number | null {
  if (from.kind !== 'fsq' || to.kind !== 'fsq' || to.levels.length <= from.levels.length) return null;
  return from.levels.every((l, i) => l === to.levels[i]) ? from.levels.length : null;
}

/**
 * Copies the weights of the tokenizer in `dir` (config.json + model.safetensors) into `tok`. Every field of
 * the two configs must match except `decoderResBlocks`, which may grow (decoderChannels must match too), and
 * FSQ levels, which may gain channels after the source's (codec.latentChannels grows with them).
 * Returns the decoder blocks that started as the identity, and the latent channels that start fresh.
 */
export function initFromTokenizer(
  tok: ImageTokenizer,
  dir: string,
): { fresh: number[]; freshLatents: number[] } {
  const where = `--init ${dir}`;
  const src = validateTokenizerConfig(
    JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    join(dir, 'config.json'),
  );
  const to = tok.config.codec;
  const from = src.codec;
  const oldLatents = grownLatents(src.quantizer, tok.config.quantizer);
  if (oldLatents === null && JSON.stringify(src.quantizer) !== JSON.stringify(tok.config.quantizer))
    throw new RangeError(
      `${where}: quantizer ${JSON.stringify(src.quantizer)} there, ${JSON.stringify(tok.config.quantizer)} here (FSQ may only add levels after the source's)`,
    );
  for (const k of ENCODER_CODEC_KEYS)
    if (k === 'latentChannels' && oldLatents === from.latentChannels) continue;
    else if (JSON.stringify(from[k]) !== JSON.stringify(to[k]))
      throw new RangeError(
        `${where}: codec.${k} is ${JSON.stringify(from[k])} there, ${JSON.stringify(to[k])} here`,
      );
  const dc = (c: CodecConfig) => c.decoderChannels ?? c.channels;
  if (dc(from) !== dc(to))
    throw new RangeError(
      `${where}: decoder channels are ${dc(from)} there, ${dc(to)} here (only depth may grow)`,
    );
  const rb = (c: CodecConfig) => c.decoderResBlocks ?? c.resBlocks;
  if (rb(to) < rb(from))
    throw new RangeError(
      `${where}: the decoder has ${rb(from)} residual blocks per level there, ${rb(to)} here (it may only grow)`,
    );
  const { map, fresh } = decoderBlockMap(from, to);
  const file = join(dir, 'model.safetensors');
  const values = safetensorsToTensors(readFileSync(file), file);
  const renamed = new Map(
    [...values].map(([k, v]) => {
      if (oldLatents !== null && k.startsWith('encoder.convOut.')) {
        // Our fresh rows for the new channels after the source's rows.
        const own = k.endsWith('weight') ? tok.encoder.convOut.weight : tok.encoder.convOut.bias!;
        const tail = noGrad(() => own.slice(0, oldLatents));
        const grown = ops.concat([v, tail], 0);
        tail.dispose();
        v.dispose();
        return [k, grown];
      }
      if (oldLatents !== null && k === 'decoder.convIn.weight') {
        // [out, in, kh, kw]: zero weights for the new input channels after the source's.
        const [o, , kh, kw] = v.shape;
        const z = zeros([o, to.latentChannels - oldLatents, kh, kw]);
        const grown = ops.concat([v, z], 1);
        z.dispose();
        v.dispose();
        return [k, grown];
      }
      const m = /^decoder\.blocks\.(\d+)\.(.*)$/.exec(k);
      if (!m) return [k, v];
      const j = map.get(Number(m[1]));
      if (j === undefined) throw new RangeError(`${file}: unexpected decoder block in '${k}'`);
      return [`decoder.blocks.${j}.${m[2]}`, v];
    }),
  );
  try {
    const r = tok.loadStateDict(renamed, { strict: false });
    const freshPrefix = fresh.map((j) => `decoder.blocks.${j}.`);
    const missing = r.missing.filter((k) => !freshPrefix.some((p) => k.startsWith(p)));
    if (missing.length || r.unexpected.length || r.shapeMismatch.length)
      throw new Error(
        `${where}: weights do not fit: ${[
          missing.length ? `missing ${missing.join(', ')}` : '',
          r.unexpected.length ? `unexpected ${r.unexpected.join(', ')}` : '',
          r.shapeMismatch.length ? `shape mismatches ${r.shapeMismatch.join('; ')}` : '',
        ]
          .filter(Boolean)
          .join(' | ')}`,
      );
  } finally {
    for (const t of renamed.values()) t.dispose();
  }
  noGrad(() => {
    for (const j of fresh) {
      const b = tok.decoder.blocks[j];
      if (!(b instanceof ResBlock))
        throw new Error(`initFromTokenizer: decoder block ${j} is not a ResBlock`);
      for (const p of [b.conv2.weight, b.conv2.bias]) {
        if (!p) continue;
        const z = zeros(p.shape);
        p.copy_(z);
        z.dispose();
      }
    }
  });
  const freshLatents =
    oldLatents === null
      ? []
      : Array.from({ length: to.latentChannels - oldLatents }, (_, i) => oldLatents + i);
  return { fresh, freshLatents };
}
