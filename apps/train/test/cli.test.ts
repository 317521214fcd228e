// The CLI as users run it (the built dist/cli.js in child processes, WASM backend, the tiny config): one run
// end to end with falling losses and every artefact; SIGKILL mid-run then --resume gives the uninterrupted
// run's losses bit for bit; --budget stops with a checkpoint that resumes and exports; config errors name
// the file and the field.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng } from '@unif2ace/data';
import { beforeAll, describe, expect, it } from 'vitest';

const APP = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(APP, 'dist', 'cli.js');
const TINY = join(APP, 'configs', 'tiny.json');
const root = mkdtempSync(join(tmpdir(), 'unif2ace-train-'));

interface Row {
  kind: string;
  step: number;
  loss: number;
  [k: string]: unknown;
}
const rows = (run: string): Row[] =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
const losses = (run: string) =>
  rows(run)
    .filter((r) => r.kind === 'train')
    .map((r) => [r.step, r.loss]);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: APP,
    timeout: 180_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Starts the CLI; resolves once metrics.jsonl holds a train row at or past `step`, then SIGKILLs it. */
async function killAfter(args: string[], run: string, step: number): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { cwd: APP, stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const done = existsSync(join(run, 'metrics.jsonl')) ? (losses(run).at(-1)?.[0] ?? 0) : 0;
    if (done >= step) break;
    if (child.exitCode !== null) throw new Error(`the run exited (${child.exitCode}) before step ${step}`);
  }
  child.kill('SIGKILL');
  await exited;
  return losses(run).at(-1)?.[0] ?? 0;
}

const full = join(root, 'full');
let fullSeconds = 0;

beforeAll(() => {
  const t0 = performance.now();
  const r = cli(['--config', TINY, '--out', full]);
  fullSeconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`tiny run failed (${r.code}):\n${r.err}`);
}, 180_000);

describe('unif2ace-train (tiny config, WASM)', () => {
  it('trains both tokenizers and the model end to end in under a minute; the losses fall', () => {
    expect(fullSeconds).toBeLessThan(60);
    const train = rows(full).filter((r) => r.kind === 'train');
    expect(train.map((r) => r.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const mean = (xs: Row[], k: string) => xs.reduce((s, r) => s + (r[k] as number), 0) / xs.length;
    for (const k of ['loss', 't2i', 'mmu'])
      expect(mean(train.slice(-8), k)).toBeLessThan(0.8 * mean(train.slice(0, 8), k));
    for (const r of train) {
      expect(r.tokens).toBeGreaterThan(0);
      expect(Number.isFinite(r.gradNorm)).toBe(true);
    }
    // the artefacts: both tokenizers, cached codes, checkpoints (keep-last 2), plots, samples, routing
    for (const f of [
      'config.json',
      'hparams.json',
      'tokenizer/tokenizer.json',
      'image-tokenizer/config.json',
      'image-tokenizer/model.safetensors',
      'codes/train/meta.json',
      'loss-curve.png',
      'samples/step-000020.png',
      'samples/step-000040.png',
      'routing/step-000040.png',
    ])
      expect(existsSync(join(full, f)), f).toBe(true);
    expect(readdirSync(join(full, 'checkpoints')).sort()).toEqual(['step-00000030', 'step-00000040']);
    const curve = decodePng(new Uint8Array(readFileSync(join(full, 'loss-curve.png'))));
    expect(curve.width).toBe(640);
    const evals = rows(full).filter((r) => r.kind === 'eval');
    expect(evals.map((r) => r.step)).toEqual([20, 40]);
    expect(evals[1].vqaQuestions).toBe(8);
    const routing = rows(full).filter((r) => r.kind === 'routing');
    expect((routing[0].layers as unknown[]).length).toBe(1);
  });

  it('SIGKILL during training, then --resume: the same losses as the uninterrupted run, bit for bit', async () => {
    const run = join(root, 'killed');
    const at = await killAfter(['--config', TINY, '--out', run], run, 17);
    expect(at).toBeGreaterThanOrEqual(17);
    expect(at).toBeLessThan(40);
    const r = cli(['--out', run, '--resume', '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(losses(run)).toEqual(losses(full));
    // the curve is the uninterrupted one: rows after the checkpoint were dropped, not duplicated
    expect(
      rows(run)
        .filter((x) => x.kind === 'eval')
        .map((x) => x.step),
    ).toEqual([20, 40]);
  });

  it('--budget stops cleanly with a checkpoint that resumes and exports; --data reads given shards', async () => {
    const cfg = JSON.parse(readFileSync(TINY, 'utf8'));
    cfg.train.steps = 100000;
    cfg.log.sampleEvery = 0;
    const long = join(root, 'long.json');
    writeFileSync(long, JSON.stringify(cfg));
    const run = join(root, 'budget');
    // set-up first (shards from --data, tokenizers, codes, two steps), so the budget times training alone
    const first = cli([
      '--config',
      long,
      '--out',
      run,
      '--data',
      join(full, 'data'),
      '--stop-at',
      '2',
      '--quiet',
    ]);
    expect(first.code, first.err).toBe(0);
    const t0 = performance.now();
    const r = cli(['--out', run, '--resume', '--budget', '8s']);
    const secs = (performance.now() - t0) / 1000;
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/the --budget ran out/);
    expect(secs).toBeLessThan(40);
    expect(existsSync(join(run, 'data'))).toBe(false); // the given shards, not rendered ones
    const last = losses(run).at(-1)![0];
    expect(last).toBeGreaterThan(0);
    expect(
      existsSync(join(run, 'checkpoints', `step-${String(last).padStart(8, '0')}`, 'manifest.json')),
    ).toBe(true);
    const again = cli(['--out', run, '--resume', '--stop-at', String(last + 2), '--quiet']);
    expect(again.code, again.err).toBe(0);
    expect(losses(run).at(-1)![0]).toBe(last + 2);
    // the checkpoint exports as a model folder that UniF2ace.load reads
    const to = join(root, 'exported');
    const e = cli(['export', '--run', run, '--to', to]);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/exported step \d+ to/);
    for (const f of [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'image-tokenizer/config.json',
      'README.md',
    ])
      expect(existsSync(join(to, f)), f).toBe(true);
    const header = readFileSync(join(to, 'model.safetensors'));
    const n = Number(header.readBigUInt64LE(0));
    const meta = JSON.parse(header.subarray(8, 8 + n).toString('utf8'));
    const dtypes = new Set(
      Object.entries(meta)
        .filter(([k]) => k !== '__metadata__')
        .map(([, v]) => (v as { dtype: string }).dtype),
    );
    expect(dtypes.has('F16')).toBe(true);
    expect(dtypes.has('F32')).toBe(false);
    expect(statSync(join(to, 'model.safetensors')).size).toBeGreaterThan(0);
    const { init } = await import('@unif2ace/tensor');
    await init({ backend: 'wasm', wasm: { threads: 1 } });
    const { UniF2ace } = await import('@unif2ace/model');
    const model = await UniF2ace.load(to);
    const g = await model.generate('A young woman with red hair.', { seed: 1, steps: 3 });
    expect(g.image.width).toBe(32);
    expect(typeof (await model.answer(g.image, 'What colour is her hair?', { maxTokens: 3 }))).toBe('string');
    model.dispose();
  });

  it('evaluate: held-out VQA (both phrasings), captions, generation with the probe and the tokenizer floor', () => {
    const json = join(root, 'eval.json');
    const md = join(root, 'eval.md');
    const model = join(root, 'full-model');
    expect(cli(['export', '--run', full, '--to', model]).code).toBe(0);
    const r = cli([
      'evaluate',
      '--model',
      model,
      '--vqa-faces',
      '2',
      '--caption-faces',
      '2',
      '--generation-faces',
      '3',
      '--steps',
      '2',
      '--reference',
      '24',
      '--backend',
      'wasm',
      '--json',
      json,
      '--markdown',
      md,
    ]);
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(readFileSync(json, 'utf8'));
    expect(rep.vqa.train.overall.total).toBe(16);
    expect(rep.vqa.heldout.overall.total).toBe(16);
    expect(rep.captions.faces).toBe(2);
    expect(rep.generation.train.prompts).toBe(3);
    expect(rep.generation.heldout.prompts).toBe(3);
    for (const x of [
      rep.generation.train.frechet,
      rep.floor.tokenizer,
      rep.floor.real,
      rep.generation.baseline,
    ])
      expect(Number.isFinite(x)).toBe(true);
    const text = readFileSync(md, 'utf8');
    expect(text).toMatch(/### VQA exact match on 2 held-out faces/);
    expect(text).toMatch(/image tokenizer reconstructions of 3 held-out faces \(floor\)/);
  });

  it('config and command-line errors are one clear line naming the file and the field (exit code 2)', () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ model: 'nano', train: { lr: 'fast' } }));
    let r = cli(['--config', bad, '--out', join(root, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`${bad}: train.lr must be a finite number, got "fast"`);
    expect(existsSync(join(root, 'x'))).toBe(false);
    writeFileSync(bad, JSON.stringify({ model: 'nano', log: { evry: 3 } }));
    r = cli(['--config', bad, '--out', join(root, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json: unknown key 'log\.evry'; valid: every, checkpointEvery/);
    writeFileSync(bad, JSON.stringify({ model: 'pico' }));
    r = cli(['--config', bad, '--out', join(root, 'x')]);
    expect(r.err).toMatch(/bad\.json: model: unknown preset 'pico'; valid: nano, small, base/);
    writeFileSync(bad, JSON.stringify({ model: { dim: 32 } }));
    r = cli(['--config', bad, '--out', join(root, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json: model: missing key 'depth'/);
    r = cli(['--config', TINY, '--out', full]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/already holds checkpoints; pass --resume/);
    r = cli(['--config', TINY, '--out', join(root, 'y'), '--budget', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--budget must be a duration such as 90s, 30m, 2h or 1h30m, got "soon"/);
    r = cli(['--config', TINY]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out DIR is required/);
    r = cli(['--config', TINY, '--out', join(root, 'z'), '--epochs', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Unknown option '--epochs'/);
    // a resumed run may change the schedule's length, not the model or the data
    const changed = JSON.parse(readFileSync(TINY, 'utf8'));
    changed.train.lr = 0.1;
    writeFileSync(bad, JSON.stringify(changed));
    r = cli(['--config', bad, '--out', full, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/differs from the run's .*config\.json in train\.lr/);
  });
});
