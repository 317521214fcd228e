// The kernel recipe's generated parts are current: src/kernels/all.ts lists every implementation file
// (scripts/gen-kernels.mjs), and every declared kernel is implemented on each backend.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../testing/index.js';
import * as declarations from './declarations.js';
import { hasKernel } from './registry.js';

const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('kernel recipe', () => {
  it('src/kernels/all.ts is up to date with the implementation files', () => {
    const out = execFileSync(process.execPath, [join(pkgRoot, 'scripts/gen-kernels.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/up to date/);
  });

  it('every declared kernel has an implementation on cpu, wasm and webgpu', async () => {
    await useBackend('cpu');
    const names = Object.values(declarations)
      .filter((d) => typeof d === 'object' && 'implement' in d)
      .map((d) => d.name);
    expect(names).toContain('cumsum');
    for (const name of names)
      for (const be of ['cpu', 'wasm', 'webgpu']) expect(hasKernel(name, be), `${be}/${name}`).toBe(true);
  });
});
