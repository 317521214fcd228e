// What a run shows every `log.sampleEvery` steps and at the end: routing heat maps of the step just taken,
// VQA exact match and caption precision / recall on a validation slice, a grid of faces generated from
// fixed validation captions (the real face beside each), and the loss-curve PNG.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDirSync, writeFileAtomicSync } from '@unif2ace/common/node';
import { captionScores, type GridCell, gridPng, vqaAccuracy } from '@unif2ace/eval';
import type { RoutingStats, UniF2ace } from '@unif2ace/model';
import type { TrainConfig } from './config.js';
import type { FaceItem } from './data.js';
import type { Log } from './log.js';
import type { Metrics } from './metrics.js';
import { type HeatBlock, heatmap, toPng } from './plot.js';

const pad = (step: number) => String(step).padStart(6, '0');

/** Per layer: token-MoE load per group and expert, sequence-MoE load per group and expert (fractions). */
export function routingBlocks(stats: RoutingStats): HeatBlock[] {
  const frac = (load: number[]) => {
    const s = load.reduce((a, b) => a + b, 0);
    return load.map((v) => (s > 0 ? v / s : 0));
  };
  const token: HeatBlock = { title: 'TOKEN MOE: SHARE OF ROUTED ASSIGNMENTS', rows: [] };
  const seq: HeatBlock = { title: 'SEQUENCE MOE: SHARE OF PICKS', rows: [] };
  stats.layers.forEach((l, i) => {
    for (const g of l.token.groups) {
      const f = frac(g.load);
      token.rows.push({
        label: `L${i} ${g.name.slice(0, 3)}`,
        cells: g.experts.map((_, j) => ({ label: `E${j}`, value: f[j] })),
      });
    }
    for (const g of l.seq.groups) {
      const f = frac(g.load);
      seq.rows.push({
        label: `L${i} ${g.name.slice(0, 3)}`,
        cells: g.experts.map((e, j) => ({ label: e, value: f[j] })),
      });
    }
  });
  return [token, seq];
}

/** Routing heat map and loads of the step just taken (call before any other forward replaces the record). */
export async function routingReport(opts: {
  out: string;
  model: UniF2ace;
  step: number;
  metrics: Metrics;
}): Promise<void> {
  const { out, model, step, metrics } = opts;
  const stats = await model.routingStats();
  const blocks = routingBlocks(stats);
  makeDirSync(join(out, 'routing'));
  const heat = toPng(heatmap(`ROUTING AT STEP ${step} (LAST MICRO-BATCH)`, blocks));
  writeFileAtomicSync(join(out, 'routing', `step-${pad(step)}.png`), heat);
  writeFileAtomicSync(join(out, 'routing', 'latest.png'), heat);
  metrics.append({
    kind: 'routing',
    step,
    layers: stats.layers.map((l) => ({
      token: l.token.groups.map((g) => ({ name: g.name, load: g.load, dropped: g.dropped })),
      seq: l.seq.groups.map((g) => ({ name: g.name, experts: g.experts, load: g.load })),
    })),
  });
  model.forgetRouting();
}

export interface SampleContext {
  out: string;
  config: TrainConfig;
  validation: FaceItem[];
  log: Log;
}

/**
 * Validation VQA and captions, the sample grid and the loss curve. Run in a separate process by training
 * (`unif2ace-train report`): a wasm32 heap never shrinks, and a nano training step at batch 8 already holds
 * over a gigabyte of its 2 GiB, so decoding and sampling buffers are kept out of the training process.
 */
export async function sampleReport(opts: {
  ctx: SampleContext;
  model: UniF2ace;
  step: number;
  metrics: Metrics;
  final: boolean;
}): Promise<void> {
  const { ctx, model, step, metrics } = opts;
  const { out, config, validation, log } = ctx;
  const t0 = performance.now();
  // VQA exact match on the validation slice (training phrasing, as in the records)
  const items: { kind: string; attr: string; answer: string; prediction: string; q: string }[] = [];
  outer: for (const f of validation)
    for (const qa of f.record.qa) {
      if (items.length >= config.log.vqaQuestions) break outer;
      const prediction = await model.answer(f.image!, qa.q, { temperature: 0 });
      items.push({ kind: qa.kind, attr: qa.attr, answer: qa.a, prediction, q: qa.q });
    }
  const vqa = vqaAccuracy(items);

  // 3. captions of a few validation faces
  const capFaces = validation.slice(0, Math.min(2, validation.length));
  const captions: string[] = [];
  for (const f of capFaces) captions.push(await model.describe(f.image!, { temperature: 0 }));
  const caps = captionScores(
    captions,
    capFaces.map((f) => f.record.attributes),
  );

  // 4. samples for fixed prompts: the validation faces' captions, the real face beside each
  const cells: GridCell[] = [];
  const n = Math.min(config.log.samplePrompts, validation.length);
  for (let i = 0; i < n; i++) {
    const f = validation[i];
    const g = await model.generate(f.record.caption, {
      seed: i,
      steps: config.log.sampleSteps,
      cfg: config.log.sampleCfg,
    });
    cells.push({ image: f.image!, lines: [`REAL #${i}`] });
    cells.push({ image: g.image, lines: [`GENERATED #${i}: ${f.record.caption}`] });
  }
  makeDirSync(join(out, 'samples'));
  const grid = gridPng(cells, {
    columns: Math.min(8, 2 * Math.max(1, Math.ceil(n / 2))),
    scale: 2,
    maxLines: 5,
  });
  writeFileAtomicSync(join(out, 'samples', `step-${pad(step)}.png`), grid);
  writeFileAtomicSync(join(out, 'samples', 'latest.png'), grid);

  metrics.append({
    kind: 'eval',
    step,
    final: opts.final,
    vqa: vqa.overall.accuracy,
    vqaQuestions: vqa.overall.total,
    vqaByGroup: Object.fromEntries(Object.entries(vqa.byGroup).map(([k, v]) => [k, v.accuracy])),
    captionPrecision: caps.precision,
    captionRecall: caps.recall,
    captions,
    examples: items.slice(0, 6).map(({ q, answer, prediction }) => ({ q, a: answer, prediction })),
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  });
  metrics.plot(join(out, 'loss-curve.png'));
  log.line(
    `step ${step}: validation VQA ${(100 * vqa.overall.accuracy).toFixed(1)} % of ${vqa.overall.total}, caption P ${(100 * caps.precision).toFixed(0)} % R ${(100 * caps.recall).toFixed(0)} %; samples/step-${pad(step)}.png (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
}

/** The CLI that runs `report` in a child process (dist/cli.js, also when this module runs from src/). */
function cliPath(): string {
  for (const rel of ['./cli.js', '../dist/cli.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('unif2ace-train: cannot find dist/cli.js for the sample report (run the build first)');
}

/** Runs `unif2ace-train report --run OUT --step STEP` in a child process and waits for it. */
export function spawnSampleReport(out: string, step: number, final: boolean): Promise<void> {
  const args = [cliPath(), 'report', '--run', out, '--step', String(step), ...(final ? ['--final'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`the sample report at step ${step} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

/** `unif2ace-train report`: the sample report of a run's checkpoint (what training spawns). */
export async function runSampleReport(run: string, step: number, final: boolean, log: Log): Promise<void> {
  const { validateTrainConfig } = await import('./config.js');
  const { readSplit } = await import('./data.js');
  const { modelFromRun } = await import('./export.js');
  const { Metrics } = await import('./metrics.js');
  const { init } = await import('@unif2ace/tensor');
  const cfgPath = join(run, 'config.json');
  const config = validateTrainConfig(JSON.parse(readFileSync(cfgPath, 'utf8')), cfgPath);
  const runJson = join(run, 'run.json');
  const dataDir =
    (existsSync(runJson) && (JSON.parse(readFileSync(runJson, 'utf8')).data as string | null)) ||
    join(run, 'data');
  const rt = config.runtime;
  await init({ backend: rt.backend, wasm: rt.threads ? { threads: rt.threads } : undefined });
  const validation = await readSplit(dataDir, 'validation', { images: true, max: config.data.validation });
  const { model } = await modelFromRun(run, step);
  try {
    await sampleReport({
      ctx: { out: run, config, validation, log },
      model,
      step,
      metrics: new Metrics(join(run, 'metrics.jsonl')),
      final,
    });
  } finally {
    model.dispose();
  }
}
