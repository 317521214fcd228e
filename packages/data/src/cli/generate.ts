// `unif2ace-data generate --count N --size 64 --out DIR [--workers K] [--seed S] [--shard-size M]`
import { generateDataset } from '../generate.js';
import { intOption, parseCommand, UsageError } from './args.js';
import { formatTime, ProgressBar } from './progress.js';

const HELP = `usage: unif2ace-data generate --count N --out DIR [--size 64] [--workers K] [--seed S] [--shard-size 1000]

Renders faces 0..N-1 with captions and questions into WebDataset shards under DIR/{train,validation,test}.
Re-running on the same DIR resumes where the last run stopped.`;

export async function run(args: string[]): Promise<number> {
  const C = 'generate';
  const { values } = parseCommand(C, {
    args: args,
    options: {
      count: { type: 'string' },
      size: { type: 'string', default: '64' },
      out: { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string', default: '0' },
      'shard-size': { type: 'string', default: '1000' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.count || !values.out) throw new UsageError(`${C}: --count and --out are required (see --help)`);
  // every number is checked before anything is created
  const count = intOption(C, 'count', values.count) as number;
  const size = intOption(C, 'size', values.size, { min: 16, max: 1024 });
  const seed = intOption(C, 'seed', values.seed, { max: 0xffffffff });
  const workers = intOption(C, 'workers', values.workers, { max: 1024 });
  const samplesPerShard = intOption(C, 'shard-size', values['shard-size'], { min: 1 });
  const bar = new ProgressBar('generate');
  const summary = await generateDataset({
    out: values.out,
    count,
    size,
    seed,
    workers,
    samplesPerShard,
    onProgress: values.quiet
      ? undefined
      : (p) => bar.update(p.done, p.total, p.elapsedMs, p.done - p.resumed, p.done === p.total),
  });
  if (!values.quiet) bar.done();
  const secs = summary.elapsedMs / 1000;
  const rate = summary.rendered / Math.max(secs, 1e-9);
  const splits = Object.entries(summary.splits)
    .map(([k, v]) => `${k} ${v.samples} (${v.shards} shards)`)
    .join(', ');
  console.log(
    `generated ${summary.rendered} faces in ${formatTime(secs)} (${rate.toFixed(1)} img/s), ${summary.skipped} already present; ${splits}`,
  );
  return 0;
}
