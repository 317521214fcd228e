// The README's WASM-backend snippet runs as written (against the built dist) and prints what it says.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README: The WASM backend', () => {
  it('the snippet picks a backend, moves a tensor and profiles its kernels', () => {
    const md = readFileSync(join(root, 'README.md'), 'utf8');
    const section = md.slice(md.indexOf('## The WASM backend'));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code, 'a js block under ## The WASM backend').toBeTruthy();
    const dist = pathToFileURL(join(root, 'dist', 'index.js')).href;
    const dir = mkdtempSync(join(tmpdir(), 'readme-wasm-'));
    try {
      const file = join(dir, 'snippet.mjs');
      writeFileSync(file, code!.replaceAll("'@unif2ace/tensor'", `'${dist}'`));
      const out = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
      const [first, second] = out.trim().split('\n').slice(-2);
      // lavapipe here: auto takes wasm and says why
      expect(first).toMatch(
        /^wasm - WebGPU adapter '.*' is a software .* - [1-9]\d* threads, FMA (true|false)$/,
      );
      expect(second).toMatch(/matmul 1x [\d.]+ ms/);
      expect(second).toMatch(/unary 1x/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
