// Runs the first js block of the README sections "Shards", "Tokenizer" and "Ingest" against the source.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));

async function sectionCode(title: string): Promise<string> {
  const md = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const start = md.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md: no "## ${title}" section`);
  const rest = md.slice(start + 1);
  const end = rest.indexOf('\n## ', 1);
  const m = /```js\n([\s\S]*?)```/.exec(end < 0 ? rest : rest.slice(0, end));
  if (!m) throw new Error(`README.md: no js block in "## ${title}"`);
  return m[1].replaceAll("'@unif2ace/data'", "'../index.js'");
}

async function run(title: string): Promise<string[]> {
  const file = `${here}readme-${title.toLowerCase()}.example.tmp.ts`;
  await writeFile(file, await sectionCode(title));
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
  return logs;
}

describe('README examples', () => {
  it('Shards', async () => {
    expect(await run('Shards')).toEqual(['faces-{000000..000002}.tar 10', '10 10']);
  });
  it('Tokenizer', async () => {
    expect(await run('Tokenizer')).toEqual(['true A young woman with red hair.']);
  });
  it('Ingest', async () => {
    expect(await run('Ingest')).toEqual(['feminine blond smiling null']);
  });
});
