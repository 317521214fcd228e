// The `unif2ace` CLI as a user runs it (a child process on the built dist/cli.js), on a tiny model made here.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng } from '@unif2ace/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveFixtureModel } from './fixture.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

/** A failure: non-zero exit, nothing on stdout, exactly one line on stderr. */
function expectOneLine(r: Run, message: string | RegExp, code = 1): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0].startsWith('unif2ace: '), lines[0]).toBe(true);
  if (typeof message === 'string') expect(lines[0]).toBe(`unif2ace: ${message}`);
  else expect(lines[0]).toMatch(message);
}

let dir: string;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-cli-'));
  model = join(dir, 'model');
  await saveFixtureModel(model);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('unif2ace', () => {
  it('generate → describe → ask round trip', async () => {
    const g = await cli(
      'generate',
      'A woman with long red hair and round glasses',
      '-o',
      'face.png',
      '--seed',
      '7',
      '--steps',
      '3',
      '--model',
      model,
      '--backend',
      'wasm',
    );
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toMatch(
      /^wrote face\.png \(64×64, seed 7, 3 steps, guidance 3; model loaded in [\d.]+ s, drawn in [\d.]+ s\)\n$/,
    );
    const png = await readFile(join(dir, 'face.png'));
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([64, 64]);
    // the same seed draws the same face
    const again = await cli(
      'generate',
      'A woman with long red hair and round glasses',
      '-o',
      'again.png',
      '--seed',
      '7',
      '--steps',
      '3',
      '--model',
      model,
      '--backend',
      'wasm',
    );
    expect(again.code, again.stderr).toBe(0);
    expect(Buffer.compare(await readFile(join(dir, 'again.png')), png)).toBe(0);
    const d = await cli('describe', 'face.png', '--model', model, '--backend', 'wasm');
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout.endsWith('\n')).toBe(true);
    const a = await cli('ask', 'face.png', 'Is she wearing glasses?', '--model', model, '--backend', 'wasm');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.split('\n')).toHaveLength(2); // one answer line
  });

  it('prints its usage to stdout with --help, and to stderr with no command', async () => {
    for (const args of [['--help'], ['-h'], ['generate', '--help']]) {
      const r = await cli(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: unif2ace <command>/);
      expect(r.stdout).toContain('unif2ace ask FACE.png "<question>"');
      expect(r.stderr).toBe('');
    }
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^usage: unif2ace/);
  });

  it('gives one line and a non-zero exit for every bad input', async () => {
    await writeFile(join(dir, 'notes.txt'), 'these are not pixels\n');
    await writeFile(join(dir, 'big.png'), '');
    await truncate(join(dir, 'big.png'), 50 * 2 ** 20); // a sparse 50 MB file
    await mkdir(join(dir, 'empty-model'));
    await mkdir(join(dir, 'bad-model/image-tokenizer'), { recursive: true });
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json'])
      await writeFile(join(dir, 'bad-model', f), f === 'config.json' ? '{"model": ' : 'x');
    const face = join(dir, 'face.png');
    const cases: [string[], string | RegExp, number?][] = [
      [['ask', 'missing.png', 'Is she smiling?', '--model', model], 'missing.png: no such file'],
      [
        ['describe', 'notes.txt', '--model', model],
        'notes.txt is not a PNG or JPEG image (it looks like text)',
      ],
      [['describe', 'big.png', '--model', model], /^unif2ace: big\.png is 50\.0 MB; the limit is 20\.0 MB/],
      [['describe', '.', '--model', model], '. is a folder, not an image'],
      [
        ['describe', face, '--model', join(dir, 'nowhere')],
        `model folder ${join(dir, 'nowhere')} does not exist`,
      ],
      [
        ['describe', face, '--model', join(dir, 'empty-model')],
        /^unif2ace: model folder .*empty-model has no config\.json, model\.safetensors, tokenizer\.json, image-tokenizer/,
      ],
      [
        ['describe', face, '--model', join(dir, 'bad-model')],
        /^unif2ace: model folder .*bad-model: config\.json is not a model config/,
      ],
      [
        ['describe', face, '--model', join(dir, 'notes.txt')],
        /^unif2ace: model folder .*notes\.txt is not a folder$/,
      ],
      [['generate', '', '--model', model], /^unif2ace: The description is empty/],
      [
        ['generate', 'red hair '.repeat(1200), '--model', model],
        /^unif2ace: The description is 10,799 characters long; the limit is 2000/,
      ],
      [
        ['generate', 'red hair', '-o', 'no/such/folder/f.png', '--model', model],
        '-o no/such/folder/f.png: the folder no/such/folder does not exist',
      ],
      [['generate', 'red hair', '-o', 'face.jpg'], '-o face.jpg: the output must be a .png file', 2],
      [['generate', 'red hair', '--steps', '0'], "--steps needs a whole number from 1 to 256, got '0'", 2],
      [['generate', 'red hair', '--cfg', 'lots'], "--cfg needs a number from 0 to 50, got 'lots'", 2],
      [['generate', 'red hair', '--bogus'], "generate: unknown option '--bogus' (see unif2ace --help)", 2],
      [
        ['generate', 'red hair', '--backend', 'tpu', '--model', model],
        "--backend must be one of auto, wasm, webgpu, cpu, got 'tpu'",
        2,
      ],
      [['ask', face], 'ask takes an image and a question in quotes, got 1 arguments', 2],
      [['ask', face, '   '], 'the question is empty', 2],
      [['paint', 'x'], "unknown command 'paint' (commands: generate, describe, ask, serve; see --help)", 2],
    ];
    for (const [args, message, code] of cases) expectOneLine(await cli(...args), message, code ?? 1);
  });

  it('generates from a prompt with unknown words, saying which', async () => {
    const r = await cli(
      'generate',
      'A man with a xylophone',
      '-o',
      'x.png',
      '--steps',
      '2',
      '--model',
      model,
      '--backend',
      'wasm',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'unif2ace: note: Words the model never saw in training (it will ignore them): "xylophone".',
    );
  });
});
