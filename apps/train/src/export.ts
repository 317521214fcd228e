// `unif2ace-train export`: a run's checkpoint -> the model folder UniF2ace.load() reads (config.json,
// model.safetensors in F16 by default, tokenizer.json, image-tokenizer/), plus a README.md saying how it
// was trained and what it scored during training.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomicSync } from '@unif2ace/common/node';
import { BpeTokenizer } from '@unif2ace/data';
import { UniF2ace } from '@unif2ace/model';
import { loadModule } from '@unif2ace/nn';
import { loadLatestCheckpoint, verifyCheckpoint } from '@unif2ace/nn/node';
import { ImageTokenizer } from '@unif2ace/vq';
import { resolveModelConfig, validateTrainConfig } from './config.js';
import { Metrics } from './metrics.js';

export interface ExportOptions {
  /** The run folder. */
  run: string;
  /** The model folder to write (replaced atomically). */
  to: string;
  dtype?: 'f16' | 'f32';
  /** A checkpoint step (default: the newest complete one). */
  step?: number;
  /** Extra lines for the README (e.g. the command that trained it). */
  notes?: string[];
}

export interface ExportResult {
  dir: string;
  step: number;
  bytes: number;
  files: Record<string, number>;
}

function folderSizes(dir: string, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, folderSizes(p, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = statSync(p).size;
  }
  return out;
}

/** Builds the run's model from a checkpoint (for export and evaluation). */
export async function modelFromRun(
  run: string,
  step?: number,
): Promise<{ model: UniF2ace; step: number; dir: string }> {
  const cfgPath = join(run, 'config.json');
  if (!existsSync(cfgPath)) throw new Error(`${run}: no config.json (not a unif2ace-train run folder)`);
  const config = validateTrainConfig(JSON.parse(readFileSync(cfgPath, 'utf8')), cfgPath);
  const modelConfig = resolveModelConfig(config.model, cfgPath);
  const root = join(run, 'checkpoints');
  let dir: string;
  let weights: Uint8Array;
  let at: number;
  if (step === undefined) {
    const ck = loadLatestCheckpoint(root, { clean: false });
    if (!ck) throw new Error(`${run}: no complete checkpoint in ${root}`);
    dir = ck.dir;
    weights = ck.files['model.safetensors'];
    at = ck.step;
  } else {
    dir = join(root, `step-${String(step).padStart(8, '0')}`);
    const why = existsSync(dir) ? verifyCheckpoint(dir) : 'no such checkpoint';
    if (why) throw new Error(`${dir}: ${why}`);
    weights = new Uint8Array(readFileSync(join(dir, 'model.safetensors')));
    at = step;
  }
  const tokenizer = await BpeTokenizer.load(join(run, 'tokenizer'));
  const imageTokenizer = await ImageTokenizer.load(join(run, 'image-tokenizer'));
  const model = UniF2ace.create(modelConfig, { tokenizer, imageTokenizer, seed: config.train.seed });
  loadModule(model, weights, { file: `${dir}/model.safetensors` });
  model.eval();
  return { model, step: at, dir };
}

export async function exportModel(opts: ExportOptions): Promise<ExportResult> {
  const run = resolve(opts.run);
  const { model, step, dir } = await modelFromRun(run, opts.step);
  const to = resolve(opts.to);
  try {
    await model.save(to, { dtype: opts.dtype ?? 'f16' });
  } finally {
    model.dispose();
  }
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  const rows = new Metrics(join(run, 'metrics.jsonl')).rows().filter((r) => r.step <= step);
  const train = rows.filter((r) => r.kind === 'train');
  const last = train.at(-1);
  const evalRow = rows.filter((r) => r.kind === 'eval').at(-1);
  const tail = train.slice(-50);
  const mean = (k: string) =>
    tail.reduce((s, r) => s + ((r[k] as number) ?? 0), 0) / Math.max(1, tail.length);
  const lines = [
    '# UniF2ace model folder',
    '',
    `Exported by \`unif2ace-train export\` from \`${dir}\` (step ${step} of ${config.train?.steps}), weights in ${(opts.dtype ?? 'f16').toUpperCase()}.`,
    'Load it with `await UniF2ace.load(folder)` from `@unif2ace/model`.',
    '',
    '## Training',
    '',
    '```json',
    JSON.stringify(config, null, 2),
    '```',
    '',
    last
      ? `Training time ${((last.elapsed as number) / 60).toFixed(1)} min over ${step} steps; mean of the last ${tail.length} steps: loss ${mean('loss').toFixed(4)}, t2i ${mean('t2i').toFixed(4)}, mmu ${mean('mmu').toFixed(4)}, balance ${mean('balance').toFixed(4)}.`
      : '',
    evalRow
      ? `Validation at step ${evalRow.step}: VQA exact match ${(100 * (evalRow.vqa as number)).toFixed(1)} % (${evalRow.vqaQuestions} questions).`
      : '',
    ...(opts.notes ?? []),
    '',
  ];
  writeFileAtomicSync(join(to, 'README.md'), lines.join('\n'));
  const files = folderSizes(to);
  const bytes = Object.values(files).reduce((a, b) => a + b, 0);
  return { dir: to, step, bytes, files };
}
