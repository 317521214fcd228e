// Fails when a package's source has a runtime import cycle, or a lower layer imports an upper one. Type-only imports (`import type`, or an
// import whose every specifier is `type`) vanish at build time and are ignored; side-effect imports
// (`import './x.js'`), re-exports and dynamic `import()` with a literal path count.
//   node tools/check-cycles.mjs [packageDir ...]   (default: every packages/* and apps/*)
//   node tools/check-cycles.mjs --self-test        (proves the check finds a cycle and ignores type-only ones)
// Prints each cycle as a chain of files, and each upward import, and exits 1 if there is any.
// Layer rules (LAYERS below): files matching `lower` must not import, at run time, files matching `upper`
// (test files are exempt: a test may import anything).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Per package: which files form a lower layer, and what they must not import. Paths are under src/. */
const LAYERS = {
  'packages/tensor': [
    {
      why: 'the Tensor data class, dispatch, autograd tape, kernels and backends sit below the ops',
      lower:
        /^(tensor|dispatch|engine|scope|flags|shape|dtype)\.ts$|^autograd\/(tape|gradients)\.ts$|^(kernels|backend|programs)\/(?!wasm\/warmup\.ts$)/,
      upper: /^ops\/|^tensor-methods\.ts$|^init\.ts$|^index\.ts$|^autograd\/rules\.ts$/,
    },
  ],
};

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !/\.d\.m?ts$/.test(name)) out.push(p);
  }
  return out;
}

/** Runtime import specifiers of one file. */
export function runtimeImports(file, text = readFileSync(file, 'utf8')) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const specs = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const typeOnly =
        c &&
        (c.isTypeOnly ||
          (!c.name &&
            c.namedBindings &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) specs.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) specs.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return specs;
}

function resolveLocal(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(js|mjs)$/, '');
  for (const c of [base, `${stem}.ts`, `${stem}.mts`, `${base}.ts`, join(base, 'index.ts'), `${stem}.js`]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

/** Every elementary cycle's representative (one per strongly connected component, as a path). */
export function findCycles(files) {
  const graph = new Map();
  for (const f of files) {
    const deps = [];
    for (const s of runtimeImports(f)) {
      const r = resolveLocal(f, s);
      if (r && r !== f) deps.push(r);
    }
    graph.set(f, deps);
  }
  // Tarjan's strongly connected components; any component of size > 1 (or a self-loop) is a cycle.
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const comps = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) comps.push(comp);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  // One concrete loop per component, found by a BFS inside it, for the message.
  return comps.map((comp) => {
    const inComp = new Set(comp);
    const start = comp[comp.length - 1];
    const prev = new Map([[start, null]]);
    const queue = [start];
    while (queue.length) {
      const v = queue.shift();
      for (const w of graph.get(v)) {
        if (w === start) {
          const path = [w];
          for (let x = v; x; x = prev.get(x)) path.push(x);
          return { files: comp, loop: path.reverse() };
        }
        if (inComp.has(w) && !prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    return { files: comp, loop: comp };
  });
}

/** Runtime imports from a lower layer into an upper one (LAYERS), as messages. */
export function layerViolations(dir, files) {
  const rules = LAYERS[relative(root, dir)] ?? [];
  const srcDir = join(dir, 'src');
  const out = [];
  for (const f of files) {
    const from = relative(srcDir, f);
    if (/\.test\.ts$/.test(from) || from.startsWith('testing/')) continue;
    for (const rule of rules) {
      if (!rule.lower.test(from)) continue;
      for (const s of runtimeImports(f)) {
        const r = resolveLocal(f, s);
        if (!r) continue;
        const to = relative(srcDir, r);
        if (rule.upper.test(to)) out.push(`upward import ${from} -> ${to} (${rule.why})`);
      }
    }
  }
  return out;
}

/** Three files in a temporary folder: a runtime loop a -> b -> c -> a must be found; a loop closed only by a
 * type import must not. Exits 1 on a wrong answer. */
function selfTest() {
  const dir = mkdtempSync(join(tmpdir(), 'check-cycles-'));
  try {
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b();\n");
    writeFileSync(join(src, 'b.ts'), "export { c as b } from './c.js';\n");
    writeFileSync(
      join(src, 'c.ts'),
      "import './a.js';\nimport type { T } from './d.js';\nexport const c = (t?: T) => t;\n",
    );
    writeFileSync(join(src, 'd.ts'), "import { type c } from './c.js';\nexport type T = typeof c;\n");
    const cycles = findCycles(sourceFiles(src));
    const names = cycles.map((c) =>
      c.files
        .map((f) => f.slice(src.length + 1))
        .sort()
        .join(','),
    );
    if (names.length !== 1 || names[0] !== 'a.ts,b.ts,c.ts') {
      console.error(`check-cycles self-test: expected one cycle a,b,c; got ${JSON.stringify(names)}`);
      process.exit(1);
    }
    console.log('check-cycles self-test: finds a runtime cycle, ignores type-only imports');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--self-test')) selfTest();
  const args = process.argv.slice(2).filter((a) => a !== '--self-test');
  const dirs = args.length
    ? args.map((a) => resolve(a))
    : ['packages', 'apps']
        .map((d) => join(root, d))
        .filter((d) => existsSync(d))
        .flatMap((d) => readdirSync(d).map((n) => join(d, n)))
        .filter((d) => existsSync(join(d, 'src')));
  let bad = 0;
  for (const dir of dirs) {
    const files = sourceFiles(join(dir, 'src'));
    const cycles = findCycles(files);
    const name = relative(root, dir);
    const upward = layerViolations(dir, files);
    for (const v of upward) console.error(`${name}: ${v}`);
    bad += upward.length;
    if (!cycles.length) {
      console.log(`${name}: no runtime import cycle${LAYERS[name] ? ', layers point down' : ''}`);
      continue;
    }
    bad += cycles.length;
    for (const c of cycles) {
      console.error(
        `${name}: runtime import cycle through ${c.files.length} files:\n  ${c.loop.map((f) => relative(dir, f)).join('\n  -> ')}`,
      );
    }
  }
  if (bad) {
    console.error(
      `\n${bad} import cycle(s) or upward import(s). Break them so layers point one way (type-only imports are fine): see docs/architecture.md.`,
    );
    process.exit(1);
  }
}
