// The training run behind `unif2ace-train`: data -> tokenizers -> cached codes -> UniF2ace, with mixed
// T2I / MMU batches, AdamW + warmup/cosine + clipping + gradient accumulation, metrics JSONL, periodic
// samples and plots, atomic checkpoints and exact resume. Everything random follows from the config's seed
// and the step (batches, masks, caption dropout, the noise expert's draws), so a run killed at any point
// and resumed from its newest checkpoint produces the same losses as one that never stopped.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeDirSync, writeFileAtomicSync } from '@unif2ace/common/node';
import type { BpeTokenizer, FaceRecord } from '@unif2ace/data';
import { type TrainBatch, UniF2ace } from '@unif2ace/model';
import {
  AdamW,
  accumulate,
  clipGradNorm,
  decayGroups,
  loadModule,
  safetensorsToTensors,
  saveModule,
  tensorsToSafetensors,
  warmupCosine,
} from '@unif2ace/nn';
import { loadLatestCheckpoint, writeCheckpoint } from '@unif2ace/nn/node';
import { init, keep, noGrad, ops, type Tensor } from '@unif2ace/tensor';
import type { ImageTokenizer } from '@unif2ace/vq';
import { encodeSplit } from './codes.js';
import {
  ConfigError,
  loadTrainConfig,
  microBatchMix,
  resolveModelConfig,
  type TrainConfig,
  validateTrainConfig,
} from './config.js';
import { CAPTION_QUESTION, type FaceItem, prepareData, readSplit } from './data.js';
import { formatDuration, type Log, makeLog, progressLine } from './log.js';
import { Metrics } from './metrics.js';
import { EpochOrder, lossSeed } from './order.js';
import { routingReport, spawnSampleReport } from './report.js';
import { obtainImageTokenizer, obtainTextTokenizer } from './tokenizers.js';

export interface TrainRunOptions {
  /** The run folder: data, tokenizers, codes, checkpoints, metrics, plots. */
  out: string;
  /** The config (already validated) or the path of a config file; on --resume the run's saved one wins. */
  config?: TrainConfig | string;
  /** Continue from the newest complete checkpoint in `out` (a fresh start when there is none). */
  resume?: boolean;
  /** A dataset folder made by `unif2ace-data generate` or `ingest` instead of rendering one. */
  data?: string;
  /** Stop cleanly (with a checkpoint) after this many seconds of this process. */
  budgetSeconds?: number;
  /** Stop (with a checkpoint) once this step is done: training in chunks. */
  stopAt?: number;
  /** Where progress goes (default: stderr). */
  log?: Log;
  /** No progress output (when no log is given). */
  quiet?: boolean;
}

export type StopReason = 'done' | 'budget' | 'signal' | 'stop-at';

export interface TrainRunResult {
  step: number;
  steps: number;
  reason: StopReason;
  /** The checkpoint written last (null when no step ran). */
  checkpoint: string | null;
  /** Seconds of training over all sittings. */
  elapsed: number;
}

const RUN_CONFIG = 'config.json';
/** Config fields a resumed run may change: the length of the schedule, logging, where it runs. */
const CHANGEABLE = new Set(['train.steps', 'log', 'runtime']);

function diffKeys(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      diffKeys(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      ),
    );
  }
  return [path];
}

/** The run's config: the saved one on resume (changes allowed only to steps, log and runtime), else the given one. */
function runConfig(opts: TrainRunOptions, log: Log): { config: TrainConfig; fresh: boolean } {
  const path = join(opts.out, RUN_CONFIG);
  const given = typeof opts.config === 'string' ? loadTrainConfig(opts.config) : opts.config;
  if (existsSync(path) && opts.resume) {
    const saved = validateTrainConfig(JSON.parse(readFileSync(path, 'utf8')), path);
    if (!given) return { config: saved, fresh: false };
    const changed = diffKeys(saved, given);
    const bad = changed.filter((k) => !CHANGEABLE.has(k) && !CHANGEABLE.has(k.split('.')[0]));
    if (bad.length)
      throw new ConfigError(
        `${typeof opts.config === 'string' ? opts.config : 'config'}: differs from the run's ${path} in ${bad.join(', ')}; a resumed run may change only train.steps, log.* and runtime.* (or use another --out)`,
      );
    if (changed.length) {
      log.line(`resume: the config changes ${changed.join(', ')}`);
      writeFileAtomicSync(path, `${JSON.stringify(given, null, 2)}\n`); // the run's config is now this one
    }
    return { config: given, fresh: false };
  }
  if (!given) throw new ConfigError(`no --config given and no ${path} to resume from`);
  return { config: given, fresh: true };
}

/** The run's --data folder: remembered in RUN/run.json, so a resumed run reads the same shards. */
function dataSource(out: string, opts: TrainRunOptions, fresh: boolean): string | undefined {
  const path = join(out, 'run.json');
  const given = opts.data === undefined ? undefined : resolve(opts.data);
  const saved = existsSync(path)
    ? ((JSON.parse(readFileSync(path, 'utf8')) as { data?: string | null }).data ?? undefined)
    : undefined;
  if (!fresh && existsSync(path)) {
    if (given !== undefined && given !== saved)
      throw new ConfigError(
        `--data ${opts.data}: this run reads ${saved ?? 'its own rendered faces'} (${path}); use another --out for other data`,
      );
    return saved;
  }
  writeFileAtomicSync(path, `${JSON.stringify({ data: given ?? null }, null, 2)}\n`);
  return given;
}

export interface Examples {
  records: FaceRecord[];
  codes: Int32Array[];
  /** (face, question) pairs of every training face. */
  vqa: Int32Array;
}

function makeExamples(items: FaceItem[], codes: Int32Array[]): Examples {
  const pairs: number[] = [];
  items.forEach((f, i) => {
    f.record.qa.forEach((_, q) => {
      pairs.push(i, q);
    });
  });
  return { records: items.map((f) => f.record), codes, vqa: Int32Array.from(pairs) };
}

/** The batch of micro-batch `micro` of `step`: a function of the config and the step only. */
export function batchAt(
  ex: Examples,
  orders: { t2i: EpochOrder; vqa: EpochOrder; caption: EpochOrder },
  mix: { t2i: number; vqa: number; caption: number },
  accumulateK: number,
  step: number,
  micro: number,
): TrainBatch {
  const slot = step * accumulateK + micro;
  const t2i = orders.t2i
    .take(slot * mix.t2i, mix.t2i)
    .map((i) => ({ caption: ex.records[i].caption, codes: ex.codes[i] }));
  const mmu = orders.vqa.take(slot * mix.vqa, mix.vqa).map((p) => {
    const face = ex.vqa[2 * p];
    const qa = ex.records[face].qa[ex.vqa[2 * p + 1]];
    return { codes: ex.codes[face], question: qa.q, answer: qa.a };
  });
  for (const i of orders.caption.take(slot * mix.caption, mix.caption))
    mmu.push({ codes: ex.codes[i], question: CAPTION_QUESTION, answer: ex.records[i].caption });
  return { t2i, mmu };
}

/** Tokens in a batch as the model sees them (T2I: the fixed text span + image; MMU: image + question + answer). */
export function batchTokens(model: UniF2ace, batch: TrainBatch): number {
  let n = 0;
  for (const e of batch.t2i) n += model.t2iRow(e.caption, e.codes).ids.length;
  for (const e of batch.mmu) n += model.mmuRow(e.codes, e.question, e.answer).ids.length;
  return n;
}

export interface RunContext {
  config: TrainConfig;
  out: string;
  dataDir: string;
  tokenizer: BpeTokenizer;
  imageTokenizer: ImageTokenizer;
  train: Examples;
  validation: FaceItem[];
  log: Log;
}

/** Data, tokenizers and codes of a run (made once, then read from the run folder). */
export async function prepareRun(
  config: TrainConfig,
  out: string,
  data: string | undefined,
  log: Log,
): Promise<RunContext> {
  const dataDir = await prepareData(config.data, out, data, log);
  const needImages =
    config.imageTokenizer.source === 'train' && !existsSync(join(out, 'image-tokenizer', 'config.json'));
  const items = await readSplit(dataDir, 'train', { images: needImages });
  if (!items.length) throw new Error(`data: ${join(dataDir, 'train')} holds no faces`);
  const tokenizer = await obtainTextTokenizer(config.textTokenizer, out, items, log);
  const imageTokenizer = await obtainImageTokenizer(
    config.imageTokenizer,
    config.data,
    out,
    items,
    config.train.seed,
    log,
  );
  for (const f of items) delete f.image;
  const codes = await encodeSplit({
    dataDir,
    split: 'train',
    runDir: out,
    tokenizer: imageTokenizer,
    tokenizerDir: join(out, 'image-tokenizer'),
    count: items.length,
    log,
  });
  const validation = await readSplit(dataDir, 'validation', { images: true, max: config.data.validation });
  log.flush();
  return {
    config,
    out,
    dataDir,
    tokenizer,
    imageTokenizer,
    train: makeExamples(items, codes),
    validation,
    log,
  };
}

export async function runTraining(opts: TrainRunOptions): Promise<TrainRunResult> {
  const log = opts.log ?? makeLog(process.stderr, opts.quiet);
  const t0 = performance.now();
  const out = resolve(opts.out);
  const ckRoot = join(out, 'checkpoints');
  const { config, fresh } = runConfig(opts, log);
  const modelConfig = resolveModelConfig(
    config.model,
    typeof opts.config === 'string' && fresh ? opts.config : join(out, RUN_CONFIG),
  );
  if (!opts.resume && loadLatestCheckpoint(ckRoot, { clean: false }))
    throw new Error(`${out} already holds checkpoints; pass --resume to continue, or pick another --out`);
  makeDirSync(out);
  if (fresh) writeFileAtomicSync(join(out, RUN_CONFIG), `${JSON.stringify(config, null, 2)}\n`);

  const rt = config.runtime;
  const ini = await init({ backend: rt.backend, wasm: rt.threads ? { threads: rt.threads } : undefined });
  log.line(
    `backend: ${ini.backend.name}${ini.reason ? ` (${ini.reason})` : ''}${ini.wasm ? `, ${ini.wasm.threads} threads` : ''}`,
  );

  const ctx = await prepareRun(config, out, dataSource(out, opts, fresh), log);
  const t = config.train;
  const model = UniF2ace.create(modelConfig, {
    tokenizer: ctx.tokenizer,
    imageTokenizer: ctx.imageTokenizer,
    seed: t.seed,
  });
  const named = [...model.namedParameters()];
  const params = named.map(([, p]) => p);
  const opt = new AdamW(decayGroups(named, t.weightDecay), { lr: t.lr, beta1: t.beta1, beta2: t.beta2 });
  const schedule = warmupCosine({ peak: t.lr, warmup: t.warmup, total: t.steps, min: t.minLr });
  log.line(
    `model: ${model.numParameters().toLocaleString()} parameters (dim ${modelConfig.dim}, depth ${modelConfig.depth}, vocab ${model.vocab.size}, ${model.vocab.imageTokens} image tokens); ${ctx.train.records.length} training faces, ${ctx.train.vqa.length / 2} questions`,
  );

  let step = 0;
  let elapsed = 0;
  const metrics = new Metrics(join(out, 'metrics.jsonl'));
  const previous = opts.resume ? loadLatestCheckpoint(ckRoot) : null;
  if (previous) {
    loadModule(model, previous.files['model.safetensors'], { file: `${previous.dir}/model.safetensors` });
    const st = safetensorsToTensors(
      previous.files['optimizer.safetensors'],
      `${previous.dir}/optimizer.safetensors`,
    );
    opt.loadStateTensors(st, previous.step);
    for (const x of st.values()) x.dispose();
    const s = previous.state as { step: number; elapsed: number; rng: ops.RngState };
    step = s.step;
    elapsed = s.elapsed;
    ops.setRngState(s.rng);
    metrics.truncate(step);
    log.line(
      `resumed from ${previous.dir} (step ${step}, ${formatDuration(elapsed)} trained)${previous.skipped.length ? `; removed torn: ${previous.skipped.map((x) => x.dir).join(', ')}` : ''}`,
    );
  } else {
    metrics.truncate(0);
    if (opts.resume) log.line(`resume: no checkpoint in ${ckRoot} yet, starting at step 0`);
    writeFileAtomicSync(
      join(out, 'hparams.json'),
      `${JSON.stringify({ config, model: modelConfig, parameters: model.numParameters(), trainingFaces: ctx.train.records.length }, null, 2)}\n`,
    );
  }

  const mix = microBatchMix(t);
  const orders = {
    t2i: new EpochOrder(ctx.train.records.length, t.seed, 't2i'),
    vqa: new EpochOrder(ctx.train.vqa.length / 2, t.seed, 'vqa'),
    caption: new EpochOrder(ctx.train.records.length, t.seed, 'caption'),
  };
  let lastCheckpoint: string | null = previous?.dir ?? null;
  const checkpoint = async () => {
    const files = {
      'model.safetensors': await saveModule(model),
      'optimizer.safetensors': await tensorsToSafetensors(opt.stateTensors()),
    };
    lastCheckpoint = writeCheckpoint(
      ckRoot,
      step,
      files,
      {
        step,
        elapsed,
        rng: ops.getRngState(),
        order: {
          t2i: step * t.accumulate * mix.t2i,
          vqa: step * t.accumulate * mix.vqa,
          caption: step * t.accumulate * mix.caption,
        },
      },
      { keepLast: config.log.keepLast },
    );
  };

  let reason: StopReason = 'done';
  let stopSignal = false;
  const onSignal = () => {
    stopSignal = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const runStart = performance.now();
  let window = { loss: 0, parts: {} as Record<string, number>, n: 0, tokens: 0, secs: 0 };
  let lastStepSecs = 0;
  model.train();
  try {
    while (step < t.steps) {
      if (stopSignal) {
        reason = 'signal';
        break;
      }
      if (opts.budgetSeconds !== undefined) {
        const used = (performance.now() - t0) / 1000;
        // stop before a step that would not finish in time (plus the checkpoint's few seconds)
        if (used + lastStepSecs * 1.2 + 2 > opts.budgetSeconds) {
          reason = 'budget';
          break;
        }
      }
      const stepStart = performance.now();
      const k = t.accumulate;
      let tokens = 0;
      const partSums: Record<string, number> = {};
      const partTensors: Record<string, Tensor>[] = [];
      const loss = accumulate(k, (micro) => {
        const batch = batchAt(ctx.train, orders, mix, k, step, micro);
        tokens += batchTokens(model, batch);
        const seed = lossSeed(t.seed, step, micro);
        ops.manualSeed(seed); // the noise expert's draws
        const r = model.loss(batch, {
          seed,
          alpha: t.alpha,
          objective: t.objective,
          cfgDropout: t.cfgDropout,
        });
        partTensors.push(
          Object.fromEntries(
            Object.entries(r.parts).map(([name, v]) => [name, keep(noGrad(() => v.detach().clone()))]),
          ),
        );
        return r.total;
      });
      const gradNorm = clipGradNorm(params, t.clip > 0 ? t.clip : Number.POSITIVE_INFINITY);
      opt.lr = schedule(step);
      opt.update();
      opt.zeroGrad();
      const lossValue = await loss.item();
      const gn = await gradNorm.item();
      loss.dispose();
      gradNorm.dispose();
      for (const pt of partTensors)
        for (const [name, v] of Object.entries(pt)) {
          partSums[name] = (partSums[name] ?? 0) + (await v.item()) / k;
          v.dispose();
        }
      if (!Number.isFinite(lossValue))
        throw new Error(`training diverged at step ${step}: loss ${lossValue}`);
      step++;
      const secs = (performance.now() - stepStart) / 1000;
      lastStepSecs = secs;
      elapsed += secs;
      metrics.append({
        kind: 'train',
        step,
        time: new Date().toISOString(),
        elapsed: Number(elapsed.toFixed(3)),
        loss: lossValue,
        ...partSums,
        lr: opt.lr,
        gradNorm: gn,
        tokens,
        secPerStep: Number(secs.toFixed(4)),
      });
      window.loss += lossValue;
      window.n++;
      window.tokens += tokens;
      window.secs += secs;
      for (const [name, v] of Object.entries(partSums)) window.parts[name] = (window.parts[name] ?? 0) + v;
      if (step % config.log.every === 0 || step === t.steps) {
        const show: Record<string, number> = {};
        for (const name of ['t2i', 'mmu', 'balance'])
          if (name in window.parts) show[name] = window.parts[name] / window.n;
        log.status(
          progressLine({
            step,
            steps: t.steps,
            loss: window.loss / window.n,
            parts: show,
            lr: opt.lr,
            tokensPerSec: window.tokens / window.secs,
            secPerStep: window.secs / window.n,
          }),
        );
        window = { loss: 0, parts: {}, n: 0, tokens: 0, secs: 0 };
      }
      const sampleNow = config.log.sampleEvery > 0 && step % config.log.sampleEvery === 0 && step < t.steps;
      if (sampleNow || step === t.steps) await routingReport({ out, model, step, metrics });
      if (sampleNow || step % config.log.checkpointEvery === 0 || step === t.steps) await checkpoint();
      if (sampleNow) await spawnSampleReport(out, step, false);
      if (opts.stopAt !== undefined && step >= opts.stopAt && step < t.steps) {
        reason = 'stop-at';
        break;
      }
      // let signal handlers run between steps (WASM work resolves as microtasks)
      await new Promise((r) => setImmediate(r));
    }
    if (lastCheckpoint === null || !lastCheckpoint.endsWith(String(step).padStart(8, '0'))) {
      if (step > 0) await checkpoint();
    }
    log.flush();
    if (step === t.steps) await spawnSampleReport(out, step, true);
    else metrics.plot(join(out, 'loss-curve.png'));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    opt.dispose();
    model.dispose();
  }
  const wall = (performance.now() - runStart) / 1000;
  const what = {
    done: `finished ${t.steps} steps`,
    budget: `stopped at step ${step} of ${t.steps}: the --budget ran out`,
    signal: `stopped at step ${step} of ${t.steps} on a signal`,
    'stop-at': `stopped at step ${step} of ${t.steps} (--stop-at)`,
  }[reason];
  log.line(
    `${what}; ${formatDuration(elapsed)} of training in all, ${formatDuration(wall)} in this sitting; checkpoint ${lastCheckpoint ?? 'none'}${reason === 'done' ? '' : `; continue with: unif2ace-train --out ${opts.out} --resume`}`,
  );
  return { step, steps: t.steps, reason, checkpoint: lastCheckpoint, elapsed };
}
