// Pack-and-install, for every published package of the workspace (found, not listed: each packages/* or
// apps/* whose package.json is not private). Each is packed the way it will be published (`pnpm pack`,
// which turns workspace:* into versions), all tarballs are installed together with plain npm into a fresh
// project outside the workspace (registry dependencies such as Dawn come from npm), and a user's checks
// run there: every published entry and bin loads, a strict `tsc --noEmit` (skipLibCheck false) passes on a
// file importing every entry and on every README example, and every README example runs. Assumes the
// packages are built (turbo orders it: they are devDependencies of this package, which a test checks).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleAsJs, extractExample } from '../readme-example.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SELF = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const ROOT_PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const exec = promisify(execFile);

/** Every publishable package: { dir, pkg }. */
function publishedPackages() {
  const out = [];
  for (const group of ['packages', 'apps']) {
    if (!existsSync(join(ROOT, group))) continue;
    for (const name of readdirSync(join(ROOT, group)).sort()) {
      const file = join(ROOT, group, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (!pkg.private) out.push({ dir: `${group}/${name}`, pkg });
    }
  }
  return out;
}
const PACKAGES = publishedPackages();

// What some README examples must print, beyond running without error (optional; by package name).
const EXPECT = {
  '@unif2ace/tensor': [
    /^adapter:\s+\S/m,
    /^runtime:\s+node-dawn, backend vulkan/m,
    /^softmax rows: 0\.0067 0\.9933 \| 0\.0003 0\.9997$/m,
  ],
  '@unif2ace/nn': [/^XOR loss: \d\.\d\de-(\d\d|[3-9])$/m, /^keys: layers\.0\.weight, layers\.0\.bias/m],
  '@unif2ace/common': [/^draws: 0\.6011 4 c$/m, /^resumed: true$/m, /^error: cannot create folder /m],
  '@unif2ace/data': [/^64 64 true$/m, /^true$/m, /^8 true$/m],
  '@unif2ace/moe': [
    /^generation: \d+ \d+ \d+ \d+, understanding: \d+ \d+ \d+ \d+$/m,
    /^custom\.generation\.3\.gain\.gain, custom\.understanding\.3\.gain\.gain$/m,
  ],
  '@unif2ace/model': [/^t2i true, mmu true$/m, /^image 16x16$/m, /^string string$/m],
  '@unif2ace/diffusion': [
    /^masked per row: 3, 6$/m,
    /^L_mask 2\.0794, L_score 2\.4818$/m,
    /^maskgit: 0 1 2 3 4 5$/m,
    /^sedd: 0 1 2 3 4 5$/m,
  ],
};

/** The environment of a user's shell: none of pnpm's or npm's per-run settings leak into the child. */
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|NODE_PATH$|NODE_OPTIONS$|VITEST)/i.test(k)),
);

async function sh(cmd, args, cwd, env = process.env, timeout = 150_000) {
  try {
    return await exec(cmd, args, { cwd, env, timeout, maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(
      `\`${cmd} ${args.join(' ')}\` in ${cwd} failed (${e.code ?? e.signal}):\n${e.stdout}\n${e.stderr}`,
    );
  }
}

/** The import specifiers of a package's `exports` (`.` and subpaths). */
const entriesOf = (pkg) =>
  Object.keys(pkg.exports ?? { '.': pkg.main }).map((k) =>
    k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`,
  );

const packed = new Map(); // dir -> { files, tarball, manifest (the packed package.json) }
let work;
let app;
const examples = new Map(); // dir -> file name of its example in the app

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unif2ace-pack-test-'));
  if (!relative(ROOT, work).startsWith('..'))
    throw new Error(`temp dir ${work} is inside the workspace ${ROOT}`);
  app = join(work, 'app');
  await mkdir(app);
  const t0 = performance.now();
  for (const { dir } of PACKAGES) {
    const pkgDir = join(ROOT, dir);
    const { stdout } = await sh('pnpm', ['pack', '--json', '--pack-destination', work], pkgDir);
    const info = JSON.parse(stdout);
    const manifest = JSON.parse(
      (await sh('tar', ['-xzOf', info.filename, 'package/package.json'], work)).stdout,
    );
    packed.set(dir, { files: info.files.map((f) => f.path), tarball: info.filename, manifest });
  }
  const t1 = performance.now();
  await writeFile(
    join(app, 'package.json'),
    '{ "name": "pack-test-app", "private": true, "type": "module" }\n',
  );
  const tarballs = [...packed.values()].map((p) => p.tarball);
  await sh(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs],
    app,
    userEnv,
    300_000,
  );
  const t2 = performance.now();
  // What a TypeScript user adds (a separate install, so the packages above resolved on their own).
  await sh(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      '--save-dev',
      `typescript@${ROOT_PKG.devDependencies.typescript}`,
      `@types/node@${ROOT_PKG.devDependencies['@types/node']}`,
    ],
    app,
    userEnv,
  );
  for (const { dir } of PACKAGES) {
    const where = `${dir}/README.md`;
    const ex = extractExample(readFileSync(resolve(ROOT, where), 'utf8'), where);
    const file = `example-${dir.replaceAll('/', '-')}.mjs`;
    await writeFile(join(app, file), await exampleAsJs(ex, where));
    examples.set(dir, file);
  }
  console.log(
    `pack-test: ${PACKAGES.length} packages (${PACKAGES.map((p) => p.pkg.name).join(', ')}): pack ${((t1 - t0) / 1000).toFixed(1)} s, npm install ${((t2 - t1) / 1000).toFixed(1)} s in ${app}`,
  );
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the workspace', () => {
  it('finds the published packages, and turbo builds each before this test', () => {
    expect(PACKAGES.map((p) => p.pkg.name)).toEqual(
      expect.arrayContaining(['@unif2ace/common', '@unif2ace/data', '@unif2ace/nn', '@unif2ace/tensor']),
    );
    const missing = PACKAGES.map((p) => p.pkg.name).filter((n) => !SELF.devDependencies?.[n]);
    expect(missing, `add each to tools/pack-test/package.json devDependencies as "workspace:*"`).toEqual([]);
  });

  it('type-checks every published entry (strict, skipLibCheck false) and every README example (checkJs)', async () => {
    const entries = PACKAGES.flatMap(({ pkg }) => entriesOf(pkg));
    const lines = entries.map((e, i) => `import * as e${i} from '${e}';`);
    lines.push(`export const entries: object[] = [${entries.map((_, i) => `e${i}`).join(', ')}];`);
    await writeFile(join(app, 'entries.ts'), `${lines.join('\n')}\n`);
    const base = {
      skipLibCheck: false,
      noEmit: true,
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      types: ['node'],
    };
    const projects = {
      // every declaration file the entries pull in, as a strict TypeScript user compiles them
      'tsconfig.json': { compilerOptions: { ...base, strict: true }, files: ['entries.ts'] },
      // the examples as a JavaScript user's editor checks them: API names, arities and argument types
      'tsconfig.examples.json': {
        compilerOptions: { ...base, allowJs: true, checkJs: true, strict: false },
        files: [...examples.values()],
      },
    };
    const tsc = join(app, 'node_modules/typescript/bin/tsc');
    for (const [file, config] of Object.entries(projects)) {
      await writeFile(join(app, file), JSON.stringify(config, null, 2));
      await sh(process.execPath, [tsc, '-p', file], app, userEnv);
    }
  });
});

describe.each(PACKAGES)('$dir', ({ dir, pkg }) => {
  it('packs dist, package.json, README.md and LICENSE, and no sources or tests', () => {
    const { files } = packed.get(dir);
    for (const f of ['package.json', 'README.md', 'LICENSE']) expect(files).toContain(f);
    expect(files.some((f) => f.startsWith('dist/'))).toBe(true);
    expect(files.filter((f) => f.startsWith('src/') || /\.test\.[cm]?[jt]s$/.test(f))).toEqual([]);
  });

  it('is published with real versions (no workspace: ranges) and full metadata', () => {
    const { manifest } = packed.get(dir);
    expect(JSON.stringify(manifest)).not.toMatch(/workspace:|link:|file:/);
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toEqual({ ...ROOT_PKG.repository, directory: dir });
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs?.url).toBe(ROOT_PKG.bugs.url);
    expect(manifest.keywords?.length).toBeGreaterThan(2);
    expect(manifest.description?.length).toBeGreaterThan(20);
  });

  it('has a README whose links and images work on the registry page (absolute or in-page)', () => {
    const md = readFileSync(resolve(ROOT, dir, 'README.md'), 'utf8');
    const targets = [...md.matchAll(/!?\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)].map((m) => m[1]);
    expect(targets.filter((t) => !/^(https:\/\/|#)/.test(t))).toEqual([]);
  });

  it('installs from the tarballs, with its dependencies inside the new project', async () => {
    const names = [
      pkg.name,
      ...Object.keys(pkg.dependencies ?? {}).filter((n) => !n.startsWith('@webgpu/types')),
    ];
    const probe = `for (const n of ${JSON.stringify(names)}) console.log(import.meta.resolve(n));`;
    const { stdout } = await sh(process.execPath, ['--input-type=module', '-e', probe], app, userEnv);
    const resolved = stdout
      .trim()
      .split('\n')
      .map((u) => fileURLToPath(u));
    expect(resolved).toHaveLength(names.length);
    for (const [i, path] of resolved.entries()) {
      expect(path.startsWith(join(app, 'node_modules')), `${names[i]} resolved to ${path}`).toBe(true);
    }
  });

  it('loads every published entry (without vitest or any optional peer) and runs every bin', async () => {
    const entries = entriesOf(pkg);
    const probe = `for (const e of ${JSON.stringify(entries)}) { const m = await import(e); console.log(e, Object.keys(m).length); }`;
    const { stdout } = await sh(process.execPath, ['--input-type=module', '-e', probe], app, userEnv);
    expect(stdout.trim().split('\n')).toEqual(
      entries.map((e) => expect.stringMatching(new RegExp(`^${e} [1-9]\\d*$`))),
    );
    expect(existsSync(join(app, 'node_modules', 'vitest'))).toBe(false);
    for (const bin of Object.keys(typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {}))) {
      const { stdout: help } = await sh(join(app, 'node_modules', '.bin', bin), ['--help'], app, userEnv);
      expect(help).toMatch(/usage/i);
    }
  });

  it("runs the README's example", async () => {
    const t0 = performance.now();
    const { stdout } = await sh(process.execPath, [examples.get(dir)], app, userEnv);
    console.log(
      `pack-test: ${dir}/README.md example ran in ${((performance.now() - t0) / 1000).toFixed(1)} s:\n${stdout}`,
    );
    for (const p of EXPECT[pkg.name] ?? []) expect(stdout).toMatch(p);
  });
});
