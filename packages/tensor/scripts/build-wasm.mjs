#!/usr/bin/env node
// Compiles src/kernels/wasm/*.wat with the `wabt` npm package and writes
// src/kernels/wasm/generated/<family>.ts: the wasm bytes as base64 for each variant
//   simd        SIMD128, shared memory (Node, cross-origin-isolated pages)
//   simdLocal   SIMD128, unshared memory (pages without cross-origin isolation: one thread)
//   fma / fmaLocal   the same with every add-of-mul turned into f32x4.relaxed_madd (relaxed SIMD)
// plus `interface Exports`: each exported function's signature, read from the .wat (parameter names
// included), so the TypeScript side never copies it by hand; and generated/probe.ts, a tiny module that
// validates only where relaxed SIMD is on.
// Runs before tsup (package `build`), and `--check` fails when the committed files are stale (CI/tests).
// `--only <family>` compiles one .wat (while other kernels are being written).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src/kernels/wasm');
const outDir = join(srcDir, 'generated');
const features = { simd: true, threads: true, relaxed_simd: true, bulk_memory: true, sign_extension: true };

const MADD =
  /\(f32x4\.add \(local\.get (\$\w+)\) \(f32x4\.mul \(local\.get (\$\w+)\) \(local\.get (\$\w+)\)\)\)/g;

/** The four text variants of one .wat file. */
export function variants(text) {
  const fma = text.replace(MADD, '(f32x4.relaxed_madd (local.get $2) (local.get $3) (local.get $1))');
  const local = (t) => t.replace(/\(memory (\d+) (\d+) shared\)/, '(memory $1 $2)');
  if (!/\(memory \d+ \d+ shared\)/.test(text))
    throw new Error('build-wasm: a kernel module must import a shared memory');
  return { simd: text, simdLocal: local(text), fma, fmaLocal: local(fma) };
}

function compile(wabt, name, text) {
  let mod;
  try {
    mod = wabt.parseWat(name, text, features);
    mod.resolveNames();
    mod.validate(features);
    return Buffer.from(mod.toBinary({ log: false, write_debug_names: true }).buffer);
  } finally {
    mod?.destroy();
  }
}

/** `export const name = '...';` laid out as Biome formats it (long initialisers on the next line). */
function constLine(name, value) {
  const one = `export const ${name} = '${value}';`;
  return one.length <= 110 ? one : `export const ${name} =\n  '${value}';`;
}

const TS_TYPE = { i32: 'number', f32: 'number', f64: 'number', i64: 'bigint', v128: 'never' };

/** The exported functions of a .wat text: name, parameters (name, wasm type) and result types. */
export function exportSignatures(text) {
  const code = text.replace(/;;[^\n]*/g, '');
  const out = [];
  const head = /\(func(?:\s+\$[\w.]+)?\s+\(export\s+"([^"]+)"\)/g;
  for (let m = head.exec(code); m; m = head.exec(code)) {
    const params = [];
    const results = [];
    const group = /\s*\((param|result)((?:\s+[^()\s]+)*)\s*\)/y;
    group.lastIndex = head.lastIndex;
    for (let g = group.exec(code); g; g = group.exec(code)) {
      const words = g[2].trim().split(/\s+/).filter(Boolean);
      if (g[1] === 'result') results.push(...words);
      else if (words[0]?.startsWith('$')) params.push({ name: words[0].slice(1), type: words[1] });
      else for (const type of words) params.push({ name: `p${params.length}`, type });
    }
    out.push({ name: m[1], params, results });
  }
  return out;
}

/** `export interface Exports { ... }` for one .wat, laid out as Biome formats it. */
export function exportsInterface(file, text) {
  const lines = [`/** The exports of ${file} (generated from its text). */`, 'export interface Exports {'];
  for (const f of exportSignatures(text)) {
    const ret =
      f.results.length === 0 ? 'void' : f.results.length === 1 ? TS_TYPE[f.results[0]] : 'unknown[]';
    const ps = f.params.map((p) => `${p.name}: ${TS_TYPE[p.type] ?? 'unknown'}`);
    const one = `  ${f.name}(${ps.join(', ')}): ${ret};`;
    if (one.length <= 110) lines.push(one);
    else lines.push(`  ${f.name}(`, ...ps.map((p) => `    ${p},`), `  ): ${ret};`);
  }
  lines.push('}');
  return lines.join('\n');
}

const PROBE = `(module (func (export "f") (param v128 v128 v128) (result v128)
  (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))`;

/** Generated files for every .wat (or, with `only`, for that family plus the index). */
export async function generate(only = null) {
  const wabt = await wabtInit();
  const files = {};
  const all = readdirSync(srcDir)
    .filter((f) => f.endsWith('.wat'))
    .sort();
  if (only && !all.includes(`${only}.wat`)) throw new Error(`build-wasm: no src/kernels/wasm/${only}.wat`);
  for (const f of all) {
    if (only && f !== `${only}.wat`) continue;
    const family = basename(f, '.wat');
    const text = readFileSync(join(srcDir, f), 'utf8');
    const v = variants(text);
    const lines = [
      `// GENERATED by scripts/build-wasm.mjs from ${f}; do not edit (run \`pnpm build:wasm\`).`,
      '// WebAssembly bytes as base64, one per variant (see the script).',
    ];
    for (const [key, t] of Object.entries(v)) {
      lines.push(constLine(key, compile(wabt, `${f}:${key}`, t).toString('base64')));
    }
    lines.push('', exportsInterface(f, text));
    files[`${family}.ts`] = `${lines.join('\n')}\n`;
  }
  // with --only, the index also keeps every family already generated
  const families = all
    .map((f) => basename(f, '.wat'))
    .filter((f) => !only || f === only || existsSync(join(outDir, `${f}.ts`)));
  files['index.ts'] = [
    '// GENERATED by scripts/build-wasm.mjs; do not edit. Every kernel module, by family (file name).',
    ...families.map((f) => `import * as ${f} from './${f}.js';`),
    '',
    'export const MODULES = {',
    ...families.map((f) => `  ${f},`),
    '};',
    '',
    "/** Each module's exports, typed from its .wat. */",
    'export interface WasmExports {',
    ...families.map((f) => `  ${f}: ${f}.Exports;`),
    '}',
    '',
  ].join('\n');
  files['probe.ts'] = [
    '// GENERATED by scripts/build-wasm.mjs; do not edit. Validates only where relaxed SIMD is enabled.',
    constLine('relaxedProbe', compile(wabt, 'probe', PROBE).toString('base64')),
    '',
  ].join('\n');
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const i = process.argv.indexOf('--only');
  const files = await generate(i > 0 ? process.argv[i + 1] : null);
  if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
  const stale = [];
  for (const [name, text] of Object.entries(files)) {
    const p = join(outDir, name);
    const old = existsSync(p) ? readFileSync(p, 'utf8') : null;
    if (old === text) continue;
    if (check) stale.push(name);
    else writeFileSync(p, text);
  }
  if (stale.length) {
    console.error(`build-wasm: generated files are stale: ${stale.join(', ')} (run pnpm build:wasm)`);
    process.exit(1);
  }
  console.log(
    `build-wasm: ${Object.keys(files).length} files ${check ? 'up to date' : 'written'} in ${outDir}`,
  );
}
