#!/usr/bin/env node
// `unif2ace-train [train] --config FILE --out DIR [--resume] [--data DIR] [--budget 2h]`,
// `unif2ace-train export --run DIR --to DIR`, `unif2ace-train evaluate --model DIR`.
import { writeFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { isEntry } from '@unif2ace/common/node';
import { ConfigError } from './config.js';
import { makeLog, parseDuration } from './log.js';

/** A bad command line: printed alone, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage:
  unif2ace-train [train] --config FILE --out DIR [--resume] [--data DIR] [--budget 2h] [--stop-at STEP] [--quiet]
      data (rendered into DIR/data, or --data shards from 'unif2ace-data generate|ingest') -> text tokenizer ->
      image tokenizer -> codes -> UniF2ace. --resume continues from DIR's newest complete checkpoint (the run's
      saved config wins; --config may change train.steps, log.* and runtime.*). --budget stops cleanly, with a
      checkpoint, before the time runs out (90s, 30m, 2h, 1h30m).
  unif2ace-train export --run DIR --to MODEL_DIR [--dtype f16|f32] [--step N] [--backend wasm|auto|cpu]
      the newest (or the given) checkpoint as the model folder UniF2ace.load() reads.
  unif2ace-train evaluate --model MODEL_DIR [--vqa-faces 50] [--caption-faces 20] [--generation-faces 24] [--reference 200]
      [--parts all|understanding|generation] [--steps 18] [--cfg 3] [--json FILE] [--markdown FILE] [--grid FILE.png] [--threads N] [--backend auto|wasm]
      held-out evaluation with @unif2ace/eval (VQA per group, captions, generation, Frechet vs the tokenizer floor).
  unif2ace-train report --run DIR --step N [--final]
      the sample report of a checkpoint (validation VQA and captions, sample grid, loss curve); training runs it
      in a child process every log.sampleEvery steps.`;

function parse(command: string, args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new UsageError(`unif2ace-train ${command}: ${(e as Error).message.split('\n')[0]}\n\n${USAGE}`);
  }
}

function intArg(command: string, name: string, v: string | boolean | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min)
    throw new UsageError(`unif2ace-train ${command}: --${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}

function numArg(command: string, name: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`unif2ace-train ${command}: --${name} must be a number >= 0, got "${v}"`);
  return n;
}

async function train(args: string[]): Promise<number> {
  const v = parse('train', args, {
    config: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    data: { type: 'string' },
    budget: { type: 'string' },
    'stop-at': { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (typeof v.out !== 'string') throw new UsageError(`unif2ace-train: --out DIR is required\n\n${USAGE}`);
  if (typeof v.config !== 'string' && !v.resume)
    throw new UsageError(
      `unif2ace-train: --config FILE is required (or --resume an existing --out)\n\n${USAGE}`,
    );
  let budgetSeconds: number | undefined;
  if (typeof v.budget === 'string') {
    try {
      budgetSeconds = parseDuration(v.budget);
    } catch (e) {
      throw new UsageError(`unif2ace-train: ${(e as Error).message}`);
    }
  }
  const stopAt = intArg('train', 'stop-at', v['stop-at'], 1);
  const { runTraining } = await import('./train.js');
  const r = await runTraining({
    out: v.out,
    config: typeof v.config === 'string' ? v.config : undefined,
    resume: !!v.resume,
    data: typeof v.data === 'string' ? v.data : undefined,
    budgetSeconds,
    stopAt,
    log: makeLog(process.stderr, !!v.quiet),
  });
  return r.step > 0 || r.reason === 'done' ? 0 : 1;
}

async function exportCmd(args: string[]): Promise<number> {
  const v = parse('export', args, {
    run: { type: 'string' },
    to: { type: 'string' },
    dtype: { type: 'string' },
    step: { type: 'string' },
    backend: { type: 'string' },
  });
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (typeof v.run !== 'string' || typeof v.to !== 'string')
    throw new UsageError(`unif2ace-train export: --run DIR and --to MODEL_DIR are required\n\n${USAGE}`);
  if (v.dtype !== undefined && v.dtype !== 'f16' && v.dtype !== 'f32')
    throw new UsageError(`unif2ace-train export: --dtype must be f16 or f32, got "${v.dtype}"`);
  const { init } = await import('@unif2ace/tensor');
  // exporting reads and writes weights only: no GPU needed (default wasm)
  await init({ backend: (v.backend as 'auto' | 'wasm' | 'cpu' | 'webgpu' | undefined) ?? 'wasm' });
  const { exportModel } = await import('./export.js');
  const r = await exportModel({
    run: v.run,
    to: v.to,
    dtype: (v.dtype as 'f16' | 'f32' | undefined) ?? 'f16',
    step: intArg('export', 'step', v.step, 0),
  });
  console.log(
    `exported step ${r.step} to ${r.dir}: ${(r.bytes / 1e6).toFixed(2)} MB (${Object.entries(r.files)
      .map(([k, n]) => `${k} ${(n / 1e6).toFixed(2)} MB`)
      .join(', ')})`,
  );
  return 0;
}

async function evaluateCmd(args: string[]): Promise<number> {
  const v = parse('evaluate', args, {
    model: { type: 'string' },
    'vqa-faces': { type: 'string' },
    'caption-faces': { type: 'string' },
    'generation-faces': { type: 'string' },
    reference: { type: 'string' },
    parts: { type: 'string' },
    steps: { type: 'string' },
    cfg: { type: 'string' },
    json: { type: 'string' },
    markdown: { type: 'string' },
    grid: { type: 'string' },
    threads: { type: 'string' },
    backend: { type: 'string' },
  });
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (typeof v.model !== 'string')
    throw new UsageError(`unif2ace-train evaluate: --model MODEL_DIR is required\n\n${USAGE}`);
  const opts = {
    vqaFaces: intArg('evaluate', 'vqa-faces', v['vqa-faces'], 1),
    captionFaces: intArg('evaluate', 'caption-faces', v['caption-faces'], 1),
    generationFaces: intArg('evaluate', 'generation-faces', v['generation-faces'], 2),
    reference: intArg('evaluate', 'reference', v.reference, 2),
    steps: intArg('evaluate', 'steps', v.steps, 1),
    cfg: numArg('evaluate', 'cfg', v.cfg),
  };
  if (v.parts !== undefined && !['all', 'understanding', 'generation'].includes(v.parts as string))
    throw new UsageError(
      `unif2ace-train evaluate: --parts must be all, understanding or generation, got "${v.parts}"`,
    );
  const threads = intArg('evaluate', 'threads', v.threads, 1);
  const { init } = await import('@unif2ace/tensor');
  await init({
    backend: (v.backend as 'auto' | 'wasm' | 'cpu' | 'webgpu' | undefined) ?? 'auto',
    wasm: threads ? { threads } : undefined,
  });
  const { UniF2ace } = await import('@unif2ace/model');
  const { evaluateModel, reportMarkdown } = await import('./evaluate.js');
  const model = await UniF2ace.load(v.model);
  const log = makeLog();
  const r = await evaluateModel(model, {
    ...opts,
    parts: v.parts as 'all' | 'understanding' | 'generation' | undefined,
    onProgress: (s) => log.line(s),
  });
  model.dispose();
  const md = reportMarkdown(r);
  console.log(md);
  const { grid, ...json } = r;
  if (typeof v.json === 'string') writeFileSync(v.json, `${JSON.stringify(json, null, 2)}\n`);
  if (typeof v.markdown === 'string') writeFileSync(v.markdown, md);
  if (typeof v.grid === 'string' && grid) writeFileSync(v.grid, grid);
  return 0;
}

async function reportCmd(args: string[]): Promise<number> {
  const v = parse('report', args, {
    run: { type: 'string' },
    step: { type: 'string' },
    final: { type: 'boolean' },
  });
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const step = intArg('report', 'step', v.step, 0);
  if (typeof v.run !== 'string' || step === undefined)
    throw new UsageError(`unif2ace-train report: --run DIR and --step N are required\n\n${USAGE}`);
  const { runSampleReport } = await import('./report.js');
  await runSampleReport(v.run, step, !!v.final, makeLog());
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (first === 'export') return exportCmd(rest);
  if (first === 'evaluate') return evaluateCmd(rest);
  if (first === 'report') return reportCmd(rest);
  if (first === 'train') return train(rest);
  if (first.startsWith('-')) return train(argv);
  throw new UsageError(`unif2ace-train: unknown command "${first}"\n\n${USAGE}`);
}

if (isEntry(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      if (e instanceof UsageError || e instanceof ConfigError) {
        console.error(e.message);
        process.exitCode = 2;
      } else {
        // the message says what went wrong and where; the stack only when asked for
        console.error(`unif2ace-train: ${process.env.UNIF2ACE_DEBUG ? (e.stack ?? e.message) : e.message}`);
        process.exitCode = 1;
      }
    },
  );
}
