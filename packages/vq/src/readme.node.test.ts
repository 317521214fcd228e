// The README's Example runs as written (against the sources, through the test aliases) and prints what it says.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));

describe('README', () => {
  it('Example encodes and decodes two faces with the shipped tokenizer', async () => {
    const md = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const start = md.indexOf('\n## Example\n');
    expect(start).toBeGreaterThan(0);
    const code = /```js\n([\s\S]*?)```/.exec(md.slice(start))?.[1];
    if (!code) throw new Error('README.md: no js block under "## Example"');
    const file = `${here}readme-example.tmp.ts`;
    await writeFile(file, code);
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
    expect(logs[0]).toBe('codes [2,16,16] on a 16x16 grid, 1000 codes');
    const [a, b] = /^PSNR ([\d.]+) \/ ([\d.]+) dB$/.exec(logs[1])!.slice(1).map(Number);
    expect(Math.min(a, b)).toBeGreaterThan(20);
    expect(logs[2]).toBe('2 64');
  });
});
