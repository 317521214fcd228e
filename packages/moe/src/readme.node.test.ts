// Runs the first js block of the README's "## Example" section against the source.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));

describe('README', () => {
  it('the custom-expert example runs, in under 30 lines, and prints what it promises', async () => {
    const md = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const start = md.indexOf('\n## Example\n');
    expect(start).toBeGreaterThan(0);
    const section = md.slice(start + 1, md.indexOf('\n## ', start + 2));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    if (!code) throw new Error('README.md: no js block in "## Example"');
    expect(code.trim().split('\n').length).toBeLessThan(30);
    const file = `${here}readme-example.tmp.ts`;
    await writeFile(
      file,
      code
        .replaceAll("'@unif2ace/tensor'", "'../../tensor/src/index.js'")
        .replaceAll("'@unif2ace/nn'", "'../../nn/src/index.js'")
        .replaceAll("'@unif2ace/moe'", "'./index.js'"),
    );
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      logs.push(a.map(String).join(' '));
    });
    try {
      await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
    } finally {
      spy.mockRestore();
      await rm(file, { force: true });
    }
    expect(logs).toHaveLength(2);
    // 20 tokens × 2 picks per group
    const loads = [...logs[0].matchAll(/(\w+): ([\d ]+)/g)].map((m) => [m[1], m[2].split(' ').map(Number)]);
    expect(loads.map(([n]) => n)).toEqual(['generation', 'understanding']);
    for (const [, l] of loads) expect((l as number[]).reduce((a, b) => a + b, 0)).toBe(40);
    expect(logs[1]).toBe('custom.generation.3.gain.gain, custom.understanding.3.gain.gain');
  });
});
