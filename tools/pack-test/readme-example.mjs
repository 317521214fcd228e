// The README contract every published package follows: the first fenced code block under the heading
// `## Example` is a complete program (ESM, top-level await allowed) that a user can paste and run.
import { transform } from 'esbuild';

const LANGS = { js: 'js', mjs: 'js', javascript: 'js', ts: 'ts', mts: 'ts', typescript: 'ts' };

/** Returns { lang: 'js' | 'ts', code } of the example block; throws naming `where` and what is wrong. */
export function extractExample(markdown, where) {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => /^##\s+Example\s*$/.test(l));
  if (start < 0) throw new Error(`${where}: no '## Example' heading`);
  for (let i = start + 1; i < lines.length; i++) {
    if (/^#{1,2}\s/.test(lines[i])) break; // next section: the example section had no code block
    const open = lines[i].match(/^(```+|~~~+)\s*([\w-]*)/);
    if (!open) continue;
    const lang = LANGS[open[2].toLowerCase()];
    if (!lang) {
      throw new Error(
        `${where}: the first block under '## Example' is '${open[2] || 'untagged'}', not js or ts`,
      );
    }
    const end = lines.findIndex((l, j) => j > i && l.startsWith(open[1]));
    if (end < 0) throw new Error(`${where}: the example block opened on line ${i + 1} is never closed`);
    return { lang, code: `${lines.slice(i + 1, end).join('\n')}\n` };
  }
  throw new Error(`${where}: no js or ts code block under '## Example'`);
}

/** The example as plain ESM JavaScript: TypeScript loses its types (esbuild), nothing else changes. */
export async function exampleAsJs({ lang, code }, where) {
  if (lang === 'js') return code;
  try {
    return (await transform(code, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: where })).code;
  } catch (e) {
    throw new Error(`${where}: the TypeScript example does not compile: ${e.message}`);
  }
}
