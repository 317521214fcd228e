// Every unif2ace-data command, run as a user runs it (the built bin, a real process), with the input a
// newcomer gets wrong: an output folder that cannot be created, a missing path, a negative or non-numeric
// count, a corrupt shard. Each must exit non-zero within seconds with one line naming what is wrong, and
// leave no file behind (Node's recursive mkdir used to spin forever on `--out /proc/x`).
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
let root = '';

function cli(args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, UNIF2ACE_DEBUG: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (performance.now() - t0) / 1000 };
}

/** Every file under `dir`, relative, sorted. */
function tree(dir: string, at = ''): string[] {
  return readdirSync(join(dir, at), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tree(dir, join(at, e.name)) : [join(at, e.name)]))
    .sort();
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'data-bad-input-'));
  const r = cli(['generate', '--count', '4', '--out', 'good', '--workers', '0', '--quiet']);
  expect(r.status, r.stderr).toBe(0);
  writeFileSync(join(root, 'a-file'), 'not a folder');
  // corrupt copies of the good dataset
  const shard = (d: string) => join(root, d, 'train', 'faces-000000.tar');
  cpSync(join(root, 'good'), join(root, 'bad-json'), { recursive: true });
  const bytes = readFileSync(shard('bad-json'));
  bytes[bytes.indexOf('{"') + 1] = '#'.charCodeAt(0);
  writeFileSync(shard('bad-json'), bytes);
  cpSync(join(root, 'good'), join(root, 'truncated'), { recursive: true });
  truncateSync(shard('truncated'), 3000);
  cpSync(join(root, 'good'), join(root, 'garbage'), { recursive: true });
  writeFileSync(
    shard('garbage'),
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251),
  );
  cpSync(join(root, 'good'), join(root, 'bad-index'), { recursive: true });
  writeFileSync(join(root, 'bad-index', 'train', 'faces-index.json'), '{');
  // an empty CelebA-style folder for ingest
  mkdirSync(join(root, 'celeba', 'img_align_celeba'), { recursive: true });
  writeFileSync(join(root, 'celeba', 'list_attr_celeba.txt'), '0\nMale Young\n');
}, 60_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const CASES: [what: string, args: string[], message: RegExp][] = [
  [
    'generate: an output folder under /proc',
    ['generate', '--count', '5', '--out', '/proc/x', '--workers', '1'],
    /^unif2ace-data: cannot create folder \/proc\/x: \/proc does not accept a new folder here/,
  ],
  [
    'generate: an output folder inside a file',
    ['generate', '--count', '5', '--out', 'a-file/sub'],
    /^unif2ace-data: cannot create folder .*a-file\/sub: .*a-file exists and is not a folder$/,
  ],
  [
    'generate: a negative count',
    ['generate', '--count', '-5', '--out', 'new'],
    /^unif2ace-data: generate: --count must be an integer >= 0, got "-5"$/,
  ],
  [
    'generate: a non-numeric count',
    ['generate', '--count', 'ten', '--out', 'new'],
    /^unif2ace-data: generate: --count must be an integer >= 0, got "ten"$/,
  ],
  [
    'generate: negative workers',
    ['generate', '--count', '5', '--out', 'new', '--workers', '-1'],
    /^unif2ace-data: generate: --workers must be an integer in \[0, 1024\], got "-1"$/,
  ],
  [
    'generate: shard size 0',
    ['generate', '--count', '5', '--out', 'new', '--shard-size', '0'],
    /^unif2ace-data: generate: --shard-size must be an integer >= 1, got "0"$/,
  ],
  ['stats: a missing folder', ['stats', 'missing'], /^unif2ace-data: stats: DIR missing: no such folder$/],
  [
    'stats: a negative sheet size',
    ['stats', 'good', '--sheet', '-1'],
    /^unif2ace-data: stats: --sheet must be an integer in \[0, 4096\], got "-1"$/,
  ],
  [
    'stats: a corrupt JSON member',
    ['stats', 'bad-json'],
    /^unif2ace-data: shard bad-json\/train\/faces-000000\.tar, member 00000000\.json: invalid JSON \(/,
  ],
  [
    'stats: a truncated shard',
    ['stats', 'truncated'],
    /^unif2ace-data: shard truncated\/train\/faces-000000\.tar, member 00000000\.png \(offset 0\): truncated data/,
  ],
  [
    'stats: a shard of garbage',
    ['stats', 'garbage'],
    /^unif2ace-data: shard garbage\/train\/faces-000000\.tar, member ".*" \(not a valid name\) \(offset 0\): header checksum mismatch/,
  ],
  [
    'stats: a corrupt shard index',
    ['stats', 'bad-index'],
    /^unif2ace-data: readShards: bad-index\/train\/faces-index\.json is not valid JSON/,
  ],
  [
    'tokenizer train: an output folder under /proc',
    ['tokenizer', 'train', '--out', '/proc/x', '--shards', 'good'],
    /^unif2ace-data: cannot create folder \/proc\/x: \/proc does not accept a new folder here/,
  ],
  [
    'tokenizer train: missing shards',
    ['tokenizer', 'train', '--out', 'tok', '--shards', 'missing'],
    /^unif2ace-data: tokenizer train: --shards missing: no such folder$/,
  ],
  [
    'tokenizer train: a non-numeric vocabulary size',
    ['tokenizer', 'train', '--out', 'tok', '--shards', 'good', '--vocab', 'big'],
    /^unif2ace-data: tokenizer train: --vocab must be an integer >= 1, got "big"$/,
  ],
  [
    'tokenizer train: a corrupt JSON member',
    ['tokenizer', 'train', '--out', 'tok', '--shards', 'bad-json/train'],
    /^unif2ace-data: shard bad-json\/train\/faces-000000\.tar, member 00000000\.json: invalid JSON \(/,
  ],
  [
    'tokenizer encode: a missing tokenizer',
    ['tokenizer', 'encode', '--tokenizer', 'missing', 'hello'],
    /^unif2ace-data: BpeTokenizer\.load: missing: no such file or folder$/,
  ],
  [
    'tokenizer decode: an id that is not a number',
    ['tokenizer', 'decode', '--tokenizer', 'missing', '12', 'x'],
    /^unif2ace-data: tokenizer decode: ID must be an integer >= 0, got "x"$/,
  ],
  [
    'ingest: a missing input folder',
    ['ingest', '--input', 'missing', '--out', 'new'],
    /^unif2ace-data: ingest: --input missing: no such folder$/,
  ],
  [
    'ingest: an output folder under /proc',
    ['ingest', '--input', 'celeba', '--out', '/proc/x'],
    /^unif2ace-data: cannot create folder \/proc\/x: \/proc does not accept a new folder here/,
  ],
  [
    'ingest: a negative limit',
    ['ingest', '--input', 'celeba', '--out', 'new', '--limit', '-1'],
    /^unif2ace-data: ingest: --limit must be an integer >= 0, got "-1"$/,
  ],
];

describe('unif2ace-data with bad input', () => {
  it.each(CASES)('%s: one clear line, non-zero exit, within seconds, nothing written', (_, args, message) => {
    const before = tree(root);
    const r = cli(args);
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.seconds).toBeLessThan(10);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(tree(root)).toEqual(before);
  });
});
