#!/usr/bin/env node
// unif2ace: the model on the command line — draw a face from a description, caption a face, answer a
// question about it. Every failure is one line on stderr and a non-zero exit.
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isEntry, writeFileAtomic } from '@unif2ace/common/node';
import { encodePng, type RgbImage } from '@unif2ace/data';
import type { UniF2ace } from '@unif2ace/model';
import { argError } from './args.js';
import { decodeFaceImage, toModelSize } from './image-input.js';
import { checkModelDir } from './model-dir.js';
import { checkPrompt } from './prompt.js';
import { main as serve } from './serve.js';

export const USAGE = `usage: unif2ace <command> [options]

  unif2ace generate "<description>" [-o face.png] [--seed N] [--steps N] [--cfg X]
      draw a face from a description (default output face.png; seed 0, 18 steps, guidance 3)
  unif2ace describe FACE.png
      caption a face (PNG or JPEG; other sizes are centre-cropped to the model's square input)
  unif2ace ask FACE.png "<question>"
      answer a question about a face
  unif2ace serve [--open] [--port N]
      the demo page on http://127.0.0.1 (what \`pnpm demo\` runs)

options for every command:
  --model DIR       a model folder of your own (default: the shipped nano model)
  --backend NAME    auto (default), wasm, webgpu or cpu
  -h, --help        print this`;

const BACKENDS = ['auto', 'wasm', 'webgpu', 'cpu'] as const;
type BackendName = (typeof BACKENDS)[number];

/** An error whose message is the one line the user sees; `code` is the exit status. */
class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

interface Common {
  model?: string;
  backend?: string;
}

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;
type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

function parse(command: string, argv: string[], extra: Options = {}): Parsed {
  try {
    return parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...extra,
      },
      strict: true,
      allowPositionals: true,
    }) as Parsed;
  } catch (e) {
    throw new CliError(`${command}: ${argError(e)} (see unif2ace --help)`, 2);
  }
}

function number(
  name: string,
  v: string | undefined,
  d: number,
  check: (n: number) => boolean,
  what: string,
): number {
  if (v === undefined) return d;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new CliError(`--${name} needs ${what}, got '${v}'`, 2);
  return n;
}

async function loadModel(opts: Common, onLoaded?: (m: UniF2ace) => void): Promise<UniF2ace> {
  const backend = (opts.backend ?? 'auto') as BackendName;
  if (!BACKENDS.includes(backend))
    throw new CliError(`--backend must be one of ${BACKENDS.join(', ')}, got '${opts.backend}'`, 2);
  // the model and the tensor runtime load only now: --help and bad arguments answer at once
  const [{ SHIPPED_MODEL, UniF2ace }, { init }] = await Promise.all([
    import('@unif2ace/model'),
    import('@unif2ace/tensor'),
  ]);
  const dir = opts.model ?? fileURLToPath(SHIPPED_MODEL).replace(/[/]$/, '');
  try {
    await checkModelDir(dir);
  } catch (e) {
    const hint = opts.model ? '' : ' (the shipped nano weights are missing: pass --model DIR)';
    throw new CliError(`${(e as Error).message}${hint}`);
  }
  try {
    await init({ backend });
  } catch (e) {
    throw new CliError(`the ${backend} backend does not work here: ${(e as Error).message.split('\n')[0]}`);
  }
  let model: UniF2ace;
  try {
    model = await UniF2ace.load(resolve(dir));
  } catch (e) {
    throw new CliError(`cannot load the model from ${dir}: ${(e as Error).message.split('\n')[0]}`);
  }
  onLoaded?.(model);
  return model;
}

async function readFace(file: string): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new CliError(`${file} is a folder, not an image`);
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${file}: no such file`);
    if (code === 'EACCES') throw new CliError(`${file}: permission denied`);
    throw new CliError(`${file}: cannot be read (${(e as Error).message})`);
  }
  try {
    return decodeFaceImage(bytes, file);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

const progress = (line: string) => {
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
};

async function generateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('generate', argv, {
    out: { type: 'string', short: 'o' },
    seed: { type: 'string' },
    steps: { type: 'string' },
    cfg: { type: 'string' },
  });
  if (values.help) return help();
  if (positionals.length !== 1)
    throw new CliError(`generate takes one description in quotes, got ${positionals.length} arguments`, 2);
  const check = checkPrompt(positionals[0]);
  if (check.error) throw new CliError(check.error);
  const seed = number(
    'seed',
    values.seed as string | undefined,
    0,
    (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32,
    'a whole number from 0 to 4294967295',
  );
  const steps = number(
    'steps',
    values.steps as string | undefined,
    18,
    (n) => Number.isInteger(n) && n >= 1 && n <= 256,
    'a whole number from 1 to 256',
  );
  const cfg = number(
    'cfg',
    values.cfg as string | undefined,
    3,
    (n) => n >= 0 && n <= 50,
    'a number from 0 to 50',
  );
  const out = (values.out as string | undefined) ?? 'face.png';
  if (extname(out).toLowerCase() !== '.png')
    throw new CliError(`-o ${out}: the output must be a .png file`, 2);
  const parent = await stat(dirname(resolve(out))).catch(() => null);
  if (!parent?.isDirectory()) throw new CliError(`-o ${out}: the folder ${dirname(out)} does not exist`);
  for (const w of check.warnings) console.error(`unif2ace: note: ${w}`);
  const t0 = performance.now();
  const model = await loadModel(values as Common);
  const tokens = model.tokenizer.encode(check.text).length;
  const room = model.config.textLength - 2;
  if (tokens > room)
    console.error(
      `unif2ace: note: the description is ${tokens} tokens; the model reads the first ${room}, the rest is ignored`,
    );
  const t1 = performance.now();
  const { image } = await model.generate(check.text, {
    seed,
    steps,
    cfg,
    onStep: (s) => progress(`step ${s.step + 1}/${s.steps}`),
  });
  progress('');
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const png = encodePng(image.rgb, image.width, image.height);
  try {
    await writeFileAtomic(out, png);
  } catch (e) {
    throw new CliError(`cannot write ${out}: ${(e as Error).message}`);
  }
  const t2 = performance.now();
  console.log(
    `wrote ${out} (${image.width}×${image.height}, seed ${seed}, ${steps} steps, guidance ${cfg}; ` +
      `model loaded in ${((t1 - t0) / 1000).toFixed(1)} s, drawn in ${((t2 - t1) / 1000).toFixed(1)} s)`,
  );
  return 0;
}

async function understandCommand(command: 'ask' | 'describe', argv: string[]): Promise<number> {
  const { values, positionals } = parse(command, argv);
  if (values.help) return help();
  const want = command === 'ask' ? 2 : 1;
  if (positionals.length !== want)
    throw new CliError(
      command === 'ask'
        ? `ask takes an image and a question in quotes, got ${positionals.length} arguments`
        : `describe takes one image, got ${positionals.length} arguments`,
      2,
    );
  const question = command === 'ask' ? positionals[1].replace(/\s+/g, ' ').trim() : '';
  if (command === 'ask' && !question) throw new CliError('the question is empty', 2);
  if (question.length > 300)
    throw new CliError(`the question is ${question.length} characters long; the limit is 300`, 2);
  const face = await readFace(positionals[0]);
  const model = await loadModel(values as Common);
  const image = toModelSize(face, model.imageTokenizer.imageSize);
  const text = command === 'ask' ? await model.answer(image, question) : await model.describe(image);
  console.log(text);
  return 0;
}

function help(): number {
  console.log(USAGE);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'generate':
        return await generateCommand(rest);
      case 'ask':
      case 'describe':
        return await understandCommand(command, rest);
      case 'serve':
        return await serve(rest);
      case '-h':
      case '--help':
      case 'help':
        return help();
      case undefined:
        console.error(USAGE);
        return 2;
      default:
        throw new CliError(
          `unknown command '${command}' (commands: generate, describe, ask, serve; see --help)`,
          2,
        );
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`unif2ace: ${message.split('\n')[0]}`);
    return e instanceof CliError ? e.code : 1;
  }
}

if (isEntry(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`unif2ace: ${(e as Error).message.split('\n')[0]}`);
      process.exit(1);
    },
  );
}
