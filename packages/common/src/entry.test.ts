import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isEntry } from './entry.js';

describe('isEntry', () => {
  it('is false for an imported module', () => {
    expect(isEntry(import.meta.url)).toBe(false);
  });

  it('is true for the program Node runs, directly or through a symlink (npm bins); false when imported', () => {
    const built = fileURLToPath(new URL('../dist/node.js', import.meta.url)); // turbo builds before tests
    const dir = mkdtempSync(join(tmpdir(), 'entry-'));
    try {
      const prog = join(dir, 'prog.mjs');
      writeFileSync(
        prog,
        `import { isEntry } from ${JSON.stringify(built)};\nconsole.log(isEntry(import.meta.url));\n`,
      );
      symlinkSync(prog, join(dir, 'bin'));
      writeFileSync(join(dir, 'host.mjs'), `import ${JSON.stringify(prog)};\n`);
      const run = (file: string) => spawnSync(process.execPath, [file], { encoding: 'utf8' }).stdout.trim();
      expect(run(prog)).toBe('true');
      expect(run(join(dir, 'bin'))).toBe('true');
      expect(run(join(dir, 'host.mjs'))).toBe('false');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
