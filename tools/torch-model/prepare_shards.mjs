// Pre-encodes a data split for the PyTorch twin, once: images through the model folder's image tokenizer,
// captions and QA through its BPE tokenizer. Writes shards (same keys, same shard size) whose samples hold
// `ids.json` = { codes, caption, qa: [{ q, a }] } as token ids (the twin builds the rows from them):
//   node tools/torch-model/prepare_shards.mjs --model FOLDER --data DATA_SPLIT_DIR --out DIR [--limit N]
import { parseArgs } from 'node:util';
import { decodePng, readShardIndex, readShards, ShardWriter, sampleJson } from '@unif2ace/data';
import { UniF2ace } from '@unif2ace/model';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    limit: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
  },
});
if (!values.model || !values.data || !values.out)
  throw new Error('usage: prepare_shards.mjs --model FOLDER --data DIR --out DIR [--limit N]');
const model = await UniF2ace.load(values.model, { backend: values.backend });
const index = await readShardIndex(values.data, 'faces');
const perShard = index?.shards[0]?.samples ?? 100;
const writer = new ShardWriter({ dir: values.out, prefix: 'faces', samplesPerShard: perShard });
const limit = values.limit ? Number(values.limit) : Number.POSITIVE_INFINITY;
const enc = new TextEncoder();
let n = 0;
let pending = [];
const flush = async () => {
  const codes = await model.encodeImages(pending.map((p) => p.image));
  for (const [i, p] of pending.entries()) {
    const ids = {
      codes: Array.from(codes[i]),
      caption: model.tokenizer.encode(p.record.caption),
      qa: p.record.qa.map((x) => ({ q: model.tokenizer.encode(x.q), a: model.tokenizer.encode(x.a) })),
    };
    await writer.add(p.key, {
      json: enc.encode(JSON.stringify(p.record)),
      'ids.json': enc.encode(JSON.stringify(ids)),
    });
  }
  pending = [];
};
for await (const s of readShards({ dir: values.data })) {
  const png = decodePng(s.files.png, `${s.shard}: ${s.key}.png`);
  pending.push({
    key: s.key,
    record: sampleJson(s),
    image: { rgb: png.rgb, width: png.width, height: png.height },
  });
  if (pending.length === 32) await flush();
  if (++n >= limit) break;
  if (n % 256 === 0) console.log(`${n} samples`);
}
if (pending.length) await flush();
const out = await writer.close();
console.log(`wrote ${out.samples} samples in ${out.shards.length} shards to ${values.out}`);
model.dispose();
