// Runs the js block of the README's "Example" section against the source.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));

describe('README', () => {
  it('Example runs and prints what it promises', async () => {
    const md = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const start = md.indexOf('\n## Example\n');
    expect(start).toBeGreaterThan(0);
    const section = md.slice(start + 1, md.indexOf('\n## ', start + 2));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    if (!code) throw new Error('README.md: no js block in "## Example"');
    const file = `${here}readme-quickstart.example.tmp.ts`;
    await writeFile(file, code.replaceAll("'@unif2ace/data'", "'./index.js'"));
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
    expect(logs).toEqual(['64 64 true', 'true', '8 true']);
  });
});
