// The stderr check behind withQuietNativeStderr must not break Node's module resolution: a plain fstat of a
// pipe or socket made the next resolution stop following symlinks (nodejs/node#51142), so in a child whose
// stderr was a pipe or socket, packages imported after init() loaded a second time under their symlinked
// path, among them a second @unif2ace/tensor without a backend ("no backend: call `await init()`").
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reopenable, withQuietNativeStderr } from './quiet-stderr.js';

const root = fs.mkdtempSync(join(tmpdir(), 'unif2ace-quiet-stderr-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** node_modules/<name> -> ../real/<name>, the layout pnpm workspaces give every package. */
function linkedPackage(name: string): string {
  const real = join(root, 'real', name);
  fs.mkdirSync(real, { recursive: true });
  fs.writeFileSync(join(real, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
  fs.writeFileSync(join(real, 'index.js'), `module.exports = ${JSON.stringify(name)};\n`);
  fs.mkdirSync(join(root, 'node_modules'), { recursive: true });
  fs.symlinkSync(join('..', 'real', name), join(root, 'node_modules', name));
  return fs.realpathSync(join(real, 'index.js'));
}

describe('withQuietNativeStderr', () => {
  it('tells terminals and pipes from files, and leaves module resolution following symlinks', () => {
    const [a, b] = [linkedPackage('pkg-a'), linkedPackage('pkg-b')];
    const req = createRequire(join(root, 'main.js'));
    expect(req.resolve('pkg-a')).toBe(a); // resolution has now cached the folders above as real
    const fifo = join(root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const pipe = fs.openSync(fifo, 'r+'); // read-write: does not wait for a reader
    const file = fs.openSync(join(root, 'file'), 'w');
    try {
      expect(reopenable(fs, pipe)).toBe(true);
      // the next package still resolves to its real path (a plain fstat above gave node_modules/pkg-b)
      expect(req.resolve('pkg-b')).toBe(b);
      expect(reopenable(fs, file)).toBe(false);
    } finally {
      fs.closeSync(pipe);
      fs.closeSync(file);
    }
  });

  it("returns the function's result whatever stderr is", async () => {
    expect(await withQuietNativeStderr(() => 42)).toBe(42);
  });
});
