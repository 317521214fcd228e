import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDir, makeDirSync, writeFileAtomic, writeFileAtomicSync } from './node.js';

const root = mkdtempSync(join(tmpdir(), 'unif2ace-common-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs f and returns its error message, failing the test when it takes more than `ms`. */
async function errorWithin(f: () => unknown, ms = 2000): Promise<string> {
  const t0 = performance.now();
  try {
    await f();
  } catch (e) {
    expect(performance.now() - t0).toBeLessThan(ms);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('makeDir', () => {
  it('creates missing levels and accepts an existing folder', async () => {
    const deep = join(root, 'a', 'b', 'c');
    await makeDir(deep);
    expect(existsSync(deep)).toBe(true);
    await makeDir(deep);
    makeDirSync(join(root, 'a', 'b', 'd'));
    expect(readdirSync(join(root, 'a', 'b')).sort()).toEqual(['c', 'd']);
  });

  it('fails at once, naming the folder, where recursive mkdir would spin: under /proc', async () => {
    for (const mk of [makeDir, makeDirSync]) {
      const msg = await errorWithin(() => mk('/proc/unif2ace-test/x'));
      expect(msg).toMatch(
        /^cannot create folder \/proc\/unif2ace-test\/x: \/proc does not accept a new folder here/,
      );
    }
  });

  it('names a file in the way, a dangling symlink and an unwritable parent', async () => {
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    expect(await errorWithin(() => makeDir(join(file, 'sub')))).toBe(
      `cannot create folder ${join(file, 'sub')}: ${file} exists and is not a folder`,
    );
    const link = join(root, 'dangling');
    symlinkSync(join(root, 'nowhere'), link);
    expect(await errorWithin(() => makeDir(join(link, 'sub')))).toBe(
      `cannot create folder ${join(link, 'sub')}: ${link} is a symbolic link to something that does not exist`,
    );
    const ro = join(root, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    // root may write anywhere (access() says yes): then mkdir succeeds, which is also right
    if (process.getuid?.() !== 0) {
      expect(await errorWithin(() => makeDir(join(ro, 'sub')))).toBe(
        `cannot create folder ${join(ro, 'sub')}: ${ro} is not writable`,
      );
    }
  });
});

describe('writeFileAtomic', () => {
  for (const [name, write] of [
    ['async', writeFileAtomic],
    ['sync', writeFileAtomicSync],
  ] as const) {
    it(`${name}: writes and replaces, leaving no temporary file`, async () => {
      const dir = join(root, `w-${name}`);
      await makeDir(dir);
      await write(join(dir, 'x.json'), '{"a":1}');
      await write(join(dir, 'x.json'), new Uint8Array([104, 105]));
      expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe('hi');
      expect(readdirSync(dir)).toEqual(['x.json']);
    });

    it(`${name}: a missing folder is an error naming it, and nothing is written`, async () => {
      const dir = join(root, `missing-${name}`);
      const msg = await errorWithin(() => write(join(dir, 'x.json'), 'x'));
      expect(msg).toBe(`writeFileAtomic(${join(dir, 'x.json')}): folder ${dir} does not exist`);
      expect(existsSync(dir)).toBe(false);
    });

    it(`${name}: a failed write removes its temporary file`, async () => {
      const dir = join(root, `full-${name}`);
      await makeDir(dir);
      // a folder where the file should go: the rename fails after the temporary file was written
      mkdirSync(join(dir, 'taken'));
      writeFileSync(join(dir, 'taken', 'keep'), '');
      const msg = await errorWithin(() => write(join(dir, 'taken'), 'x'));
      expect(msg).toMatch(/^writeFileAtomic\(.*taken\): /);
      expect(readdirSync(dir)).toEqual(['taken']);
    });
  }
});
