// Pack-and-install: each published package is packed (`pnpm pack`, which turns workspace:* into versions),
// installed with plain npm into a fresh project outside the workspace, and its README example is run there
// with node. Passing proves that a user who installs only the tarballs gets a working package, native
// dependencies (Dawn, through `webgpu`) included. Assumes `turbo run build` ran (turbo orders it: the
// packages below are devDependencies of this one).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleAsJs, extractExample } from '../readme-example.mjs';

// A new published package joins here (and as a workspace:* devDependency in ../package.json, for turbo).
// `expect`: patterns the example's stdout must match.
const PACKAGES = [
  {
    dir: 'packages/tensor',
    expect: [
      /^adapter:\s+\S/m,
      /^runtime:\s+node-dawn, backend vulkan/m,
      /^softmax rows: 0\.0067 0\.9933 \| 0\.0003 0\.9997$/m,
    ],
  },
  {
    dir: 'packages/nn',
    expect: [/^XOR loss: \d\.\d\de-(\d\d|[3-9])$/m, /^keys: layers\.0\.weight, layers\.0\.bias/m],
  },
  {
    dir: 'packages/diffusion',
    expect: [
      /^masked per row: 3, 6$/m,
      /^L_mask 2\.0794, L_score 2\.4818$/m,
      /^maskgit: 0 1 2 3 4 5$/m,
      /^sedd: 0 1 2 3 4 5$/m,
    ],
  },
];

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const exec = promisify(execFile);

/** The environment of a user's shell: none of pnpm's or npm's per-run settings leak into the child. */
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|NODE_PATH$|NODE_OPTIONS$|VITEST)/i.test(k)),
);

async function sh(cmd, args, cwd, env = process.env) {
  try {
    return await exec(cmd, args, { cwd, env, timeout: 150_000, maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(
      `\`${cmd} ${args.join(' ')}\` in ${cwd} failed (${e.code ?? e.signal}):\n${e.stdout}\n${e.stderr}`,
    );
  }
}

const packed = new Map(); // dir -> { name, files, tarball }
let work;
let app;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unif2ace-pack-test-'));
  if (!relative(ROOT, work).startsWith('..'))
    throw new Error(`temp dir ${work} is inside the workspace ${ROOT}`);
  app = join(work, 'app');
  await mkdir(app);
  const t0 = performance.now();
  for (const { dir } of PACKAGES) {
    const pkgDir = join(ROOT, dir);
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8'));
    const { stdout } = await sh('pnpm', ['pack', '--json', '--pack-destination', work], pkgDir);
    const info = JSON.parse(stdout);
    packed.set(dir, { pkg, files: info.files.map((f) => f.path), tarball: info.filename });
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
  );
  const t2 = performance.now();
  console.log(
    `pack-test: pack ${((t1 - t0) / 1000).toFixed(1)} s, npm install ${((t2 - t1) / 1000).toFixed(1)} s in ${app}`,
  );
}, 170_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(PACKAGES)('$dir', ({ dir, expect: patterns }) => {
  it('packs dist, package.json and README.md, and no sources or tests', () => {
    const { files, pkg } = packed.get(dir);
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files.some((f) => f.startsWith('dist/'))).toBe(true);
    expect(files.filter((f) => f.startsWith('src/') || /\.test\.[cm]?[jt]s$/.test(f))).toEqual([]);
    expect(JSON.stringify(pkg.dependencies ?? {})).not.toContain('link:');
  });

  it('installs from the tarball alone, with its dependencies inside the new project', async () => {
    const { pkg } = packed.get(dir);
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

  it("runs the README's example", async () => {
    const where = `${dir}/README.md`;
    const ex = extractExample(await readFile(resolve(ROOT, where), 'utf8'), where);
    await writeFile(join(app, 'example.mjs'), await exampleAsJs(ex, where));
    const t0 = performance.now();
    const { stdout } = await sh(process.execPath, ['example.mjs'], app, userEnv);
    console.log(
      `pack-test: ${where} example ran in ${((performance.now() - t0) / 1000).toFixed(1)} s:\n${stdout}`,
    );
    for (const p of patterns) expect(stdout).toMatch(p);
  });
});
