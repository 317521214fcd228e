// `unif2ace-data ingest`: a CelebA-style or unlabelled photo folder -> WebDataset shards of records.

import { writeFileAtomic } from '@unif2ace/common/node';
import { describeAttributes } from '../ingest/describe.js';
import { ingestFolder } from '../ingest/index.js';
import { existingFolder, intOption, parseCommand, UsageError } from './args.js';

const USAGE = `usage: unif2ace-data ingest --input DIR --out DIR [--mode auto|celeba|unlabelled] [--size 64]
         [--samples-per-shard 1000] [--limit N] [--seed 0] [--min-face 40] [--report FILE]
  CelebA layout: DIR/img_align_celeba/*.jpg + DIR/list_attr_celeba.txt (labels mapped onto the taxonomy).
  Otherwise: every JPEG/PNG in DIR is face-detected, aligned and annotated (age, gender, expression) with the
  models shipped in @vladmandic/face-api (needs it, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm).
  Unreadable, unlabelled and faceless images are skipped and counted. Output: DIR/train, DIR/validation and
  DIR/test (split by a hash of the file name), each with faces-NNNNNN.tar shards and faces-index.json.`;

export async function ingestCli(argv: string[]): Promise<number> {
  const C = 'ingest';
  const { values } = parseCommand(C, {
    args: argv,
    options: {
      input: { type: 'string' },
      out: { type: 'string' },
      mode: { type: 'string', default: 'auto' },
      size: { type: 'string', default: '64' },
      'samples-per-shard': { type: 'string', default: '1000' },
      limit: { type: 'string' },
      seed: { type: 'string', default: '0' },
      'min-face': { type: 'string', default: '40' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.input || !values.out) throw new UsageError(`${C}: need --input and --out (see --help)`);
  const mode = values.mode as 'auto' | 'celeba' | 'unlabelled';
  if (!['auto', 'celeba', 'unlabelled'].includes(mode))
    throw new UsageError(`${C}: unknown --mode "${mode}" (auto, celeba or unlabelled)`);
  // every number and the input are checked before anything is created
  const size = intOption(C, 'size', values.size, { min: 16, max: 1024 });
  const samplesPerShard = intOption(C, 'samples-per-shard', values['samples-per-shard'], { min: 1 });
  const limit = intOption(C, 'limit', values.limit);
  const seed = intOption(C, 'seed', values.seed, { max: 0xffffffff });
  const minFace = intOption(C, 'min-face', values['min-face'], { min: 1 });
  await existingFolder(C, '--input', values.input);
  const tty = process.stderr.isTTY;
  const report = await ingestFolder({
    input: values.input,
    out: values.out,
    mode,
    describe: describeAttributes,
    size,
    samplesPerShard,
    limit,
    seed,
    minFace,
    onProgress: (done, total, skipped) => {
      if (tty || done === total)
        process.stderr.write(
          `\ringest ${done}/${total} images, ${skipped} skipped${done === total ? '\n' : ''}`,
        );
    },
  });
  const { splits, skippedFiles, ...summary } = report;
  const perSplit = Object.fromEntries(
    Object.entries(splits).map(([k, v]) => [k, { samples: v.samples, shards: v.shards.length }]),
  );
  console.log(JSON.stringify({ ...summary, splits: perSplit }, null, 2));
  if (values.report) await writeFileAtomic(values.report, `${JSON.stringify(report, null, 2)}\n`);
  for (const s of skippedFiles.slice(0, 20)) console.error(`skipped ${s.file}: ${s.reason}`);
  if (skippedFiles.length > 20) console.error(`... and ${skippedFiles.length - 20} more (see --report)`);
  return 0;
}

/** Entry point for src/cli.ts. */
export const run = ingestCli;
