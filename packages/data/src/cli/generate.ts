// `unif2ace-data generate --count N --size 64 --out DIR [--workers K] [--seed S] [--shard-size M]`
import { parseArgs } from 'node:util';
import { generateDataset } from '../generate.js';
import { formatTime, ProgressBar } from './progress.js';

const HELP = `usage: unif2ace-data generate --count N --out DIR [--size 64] [--workers K] [--seed S] [--shard-size 1000]

Renders faces 0..N-1 with captions and questions into WebDataset shards under DIR/{train,validation,test}.
Re-running on the same DIR resumes where the last run stopped.`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
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
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.count || !values.out) {
    console.error(`generate: --count and --out are required\n\n${HELP}`);
    return 1;
  }
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`generate: --${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
  const bar = new ProgressBar('generate');
  const summary = await generateDataset({
    out: values.out,
    count: int('count', values.count) as number,
    size: int('size', values.size),
    seed: int('seed', values.seed),
    workers: int('workers', values.workers),
    samplesPerShard: int('shard-size', values['shard-size']),
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
