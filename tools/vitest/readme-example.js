// Runs the first ```js block of a package README's "## Example" section against the package's sources and
// returns what it printed with console.log. One helper for every package's README test (pack-test runs the
// same blocks against the packed tarballs).
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

/** The first js block under "## Example" in the README at `readmeUrl`; throws naming the file when absent. */
export async function readmeExample(readmeUrl) {
  const md = await readFile(readmeUrl, 'utf8');
  const start = md.indexOf('\n## Example\n');
  if (start < 0) throw new Error(`${fileURLToPath(readmeUrl)}: no "## Example" section`);
  const end = md.indexOf('\n## ', start + 2);
  const code = /```js\n([\s\S]*?)```/.exec(md.slice(start + 1, end < 0 ? undefined : end))?.[1];
  if (!code) throw new Error(`${fileURLToPath(readmeUrl)}: no js block in "## Example"`);
  return code;
}

/**
 * Writes the example (import specifiers replaced per `replace`) beside `dirUrl`, imports it, and returns
 * `{ code, logs }`: the example's source and each console.log line. The temporary file is always removed.
 */
export async function runReadmeExample(readmeUrl, dirUrl, replace = {}) {
  const code = await readmeExample(readmeUrl);
  let source = code;
  for (const [from, to] of Object.entries(replace)) source = source.replaceAll(`'${from}'`, `'${to}'`);
  const file = fileURLToPath(new URL(`readme-example.${process.pid}.tmp.ts`, dirUrl));
  await writeFile(file, source);
  const logs = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a) => {
    logs.push(a.map(String).join(' '));
  });
  try {
    await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
  } finally {
    spy.mockRestore();
    await rm(file, { force: true });
  }
  return { code, logs };
}
