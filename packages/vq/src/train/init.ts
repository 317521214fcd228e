// Fine-tuning from a trained tokenizer (`unif2ace-vq train --init DIR`): copy its weights into a new model
// whose codec and quantizer match, except that the decoder may be deeper (more residual blocks per level).
// The extra blocks start as the identity (their second conv zeroed: out = x + conv2(...) = x), so the grown
// model reconstructs exactly as the source did on its first step.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { safetensorsToTensors } from '@unif2ace/nn';
import { noGrad, zeros } from '@unif2ace/tensor';
import { type CodecConfig, ResBlock } from '../codec.js';
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

/**
 * Copies the weights of the tokenizer in `dir` (config.json + model.safetensors) into `tok`. Every field of
 * the two configs must match except `decoderResBlocks`, which may grow (decoderChannels must match too).
 * Returns the decoder blocks that started as the identity.
 */
export function initFromTokenizer(tok: ImageTokenizer, dir: string): { fresh: number[] } {
  const where = `--init ${dir}`;
  const src = validateTokenizerConfig(
    JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    join(dir, 'config.json'),
  );
  const to = tok.config.codec;
  const from = src.codec;
  for (const k of ENCODER_CODEC_KEYS)
    if (JSON.stringify(from[k]) !== JSON.stringify(to[k]))
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
  if (JSON.stringify(src.quantizer) !== JSON.stringify(tok.config.quantizer))
    throw new RangeError(
      `${where}: quantizer ${JSON.stringify(src.quantizer)} there, ${JSON.stringify(tok.config.quantizer)} here`,
    );
  const { map, fresh } = decoderBlockMap(from, to);
  const file = join(dir, 'model.safetensors');
  const values = safetensorsToTensors(readFileSync(file), file);
  const renamed = new Map(
    [...values].map(([k, v]) => {
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
    for (const t of values.values()) t.dispose();
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
  return { fresh };
}
