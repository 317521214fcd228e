#!/usr/bin/env node
// Fills .device/ (git-ignored) with what the bare GPU machine lacks, for `run` with carry: ['.device']:
//   node.xz       this machine's Node binary, xz -9
//   app.tar.xz    packages/*/dist and their runtime node_modules, flat, unpacked over the repo root there (xz -1)
//   debs/*.deb    the Vulkan and GL loaders (Debian bookworm, amd64), dpkg -x'ed there when missing
//   MANIFEST.txt  what is in it
// Each part is rebuilt only when its input changed. Usage: node tools/device/pack.mjs
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, '.device');
const LIMIT = 64 * 2 ** 20; // what may travel to the device machine, working tree included
const DEBS = ['libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'];
// Per-dependency file filters: Dawn ships every platform's binary (130 MB); the device is linux-x64.
const KEEP = {
  webgpu: (rel) => !rel.startsWith('dist/') || rel === 'dist' || rel.startsWith('dist/linux-x64'),
};

const say = (msg) => console.log(`pack: ${msg}`);
const mib = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const sh = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

function need(cmd) {
  try {
    sh('sh', ['-c', `command -v ${cmd}`]);
  } catch {
    throw new Error(`'${cmd}' is not installed here (apt-get install ${cmd === 'xz' ? 'xz-utils' : cmd})`);
  }
}

/** Compresses process.execPath unless node.xz already holds this very binary. */
function packNode() {
  const stamp = `${process.version} ${process.platform}-${process.arch} ${statSync(process.execPath).size}`;
  const stampFile = join(OUT, 'node.xz.stamp');
  if (
    existsSync(join(OUT, 'node.xz')) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8') === stamp
  ) {
    say(`node.xz is up to date (${stamp})`);
    return;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the device machine is linux-x64; this Node is ${process.platform}-${process.arch}`);
  }
  say(`compressing ${process.execPath} (${stamp}) with xz -9 -T2, about 1.5 min on 2 cores...`);
  const t0 = Date.now();
  sh('sh', ['-c', `xz -9 -T2 -c "${process.execPath}" > "${OUT}/node.xz.part"`]);
  renameSync(join(OUT, 'node.xz.part'), join(OUT, 'node.xz'));
  writeFileSync(stampFile, stamp);
  say(`node.xz done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** Folder of an installed dependency `name`, seen from folder `from` (Node's lookup, pnpm layout included). */
function findDep(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir)
      throw new Error(`dependency '${name}' of ${from} is not installed: run pnpm install`);
  }
}

/** Stages packages/<p>/dist and a flat node_modules holding their runtime dependencies, transitively. */
function stageApp(stage) {
  const deps = new Map(); // name -> { version, dir, wantedBy }
  const queue = [];
  for (const p of readdirSync(join(ROOT, 'packages')).sort()) {
    const dir = join(ROOT, 'packages', p);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const pkg = readJson(join(dir, 'package.json'));
    if (!existsSync(join(dir, 'dist'))) {
      say(`WARNING: packages/${p} has no dist/ (not built: pnpm build); it will not work on the device`);
      continue;
    }
    cpSync(join(dir, 'dist'), join(stage, 'packages', p, 'dist'), { recursive: true });
    mkdirSync(join(stage, 'node_modules', dirname(pkg.name)), { recursive: true });
    symlinkSync(join('..', '..', 'packages', p), join(stage, 'node_modules', pkg.name)); // as pnpm links it
    for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
      if (!range.startsWith('workspace:')) queue.push({ name, from: dir, wantedBy: pkg.name });
    }
  }
  if (!existsSync(join(stage, 'packages')))
    throw new Error('no package under packages/ is built: run pnpm build');
  while (queue.length) {
    const { name, from, wantedBy } = queue.shift();
    const dir = findDep(name, from);
    const pkg = readJson(join(dir, 'package.json'));
    const seen = deps.get(name);
    if (seen) {
      if (seen.version !== pkg.version) {
        throw new Error(
          `${name} is needed at ${seen.version} (by ${seen.wantedBy}) and ${pkg.version} (by ${wantedBy}); ` +
            'the flat device node_modules holds one: align the versions',
        );
      }
      continue;
    }
    deps.set(name, { version: pkg.version, dir, wantedBy });
    const keep = KEEP[name] ?? (() => true);
    cpSync(dir, join(stage, 'node_modules', name), {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const rel = relative(dir, src);
        return !rel.split('/').includes('node_modules') && keep(rel);
      },
    });
    for (const dep of Object.keys(pkg.dependencies ?? {}))
      queue.push({ name: dep, from: dir, wantedBy: name });
  }
  return [...deps].map(([name, d]) => `${name}@${d.version}`);
}

/** sha256 over every staged path and its content, to know whether app.tar.xz must be rebuilt. */
function hashTree(dir) {
  const h = createHash('sha256');
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      h.update(`${relative(dir, p)}\0`);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) h.update(readFileSync(p));
      else if (e.isSymbolicLink()) h.update('link');
    }
  };
  walk(dir);
  return h.digest('hex');
}

function packApp() {
  const stage = join(tmpdir(), `unif2ace-device-stage-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  try {
    const deps = stageApp(stage);
    say(
      `staged ${readdirSync(join(stage, 'packages'))
        .map((p) => `packages/${p}/dist`)
        .join(', ')}; deps ${deps.join(', ')}`,
    );
    const hash = hashTree(stage);
    const hashFile = join(OUT, 'app.tar.xz.sha256');
    if (
      existsSync(join(OUT, 'app.tar.xz')) &&
      existsSync(hashFile) &&
      readFileSync(hashFile, 'utf8') === hash
    ) {
      say('app.tar.xz is up to date');
      return deps;
    }
    say('writing app.tar.xz (xz -1: it changes with every build)...');
    sh('sh', ['-c', `tar -C "${stage}" -cf - packages node_modules | xz -1 -T2 > "${OUT}/app.tar.xz.part"`]);
    renameSync(join(OUT, 'app.tar.xz.part'), join(OUT, 'app.tar.xz'));
    writeFileSync(hashFile, hash);
    return deps;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The README's amd64 recipe: the loaders' .debs, downloaded once. */
function packDebs() {
  const dir = join(OUT, 'debs');
  mkdirSync(dir, { recursive: true });
  const have = readdirSync(dir).filter((f) => f.endsWith('.deb'));
  const missing = DEBS.filter((n) => !have.some((f) => f.startsWith(`${n}_`)));
  if (!missing.length) {
    say(`debs are there: ${have.join(' ')}`);
    return;
  }
  need('apt-get');
  const lists = join(tmpdir(), 'unif2ace-apt-amd64');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  const o = [
    '-oAPT::Architecture=amd64',
    '-oAPT::Architectures=amd64',
    `-oDir::State::Lists=${lists}`,
    '-qq',
  ];
  say(`apt-get download ${missing.join(' ')}...`);
  sh('apt-get', [...o, 'update']);
  sh('apt-get', [...o, 'download', ...missing], { cwd: dir });
}

/** Bytes of what `run` sends besides .device: tracked and untracked-not-ignored files, and shared/. */
function treeBytes() {
  const files = sh('git', ['ls-files', '-coz', '--exclude-standard'], { cwd: ROOT }).toString().split('\0');
  let n = 0;
  for (const f of files) {
    try {
      if (f) n += statSync(join(ROOT, f)).size;
    } catch {} // deleted but still tracked
  }
  return n;
}

function dirBytes(d) {
  let n = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    n += e.isDirectory() ? dirBytes(join(d, e.name)) : statSync(join(d, e.name)).size;
  }
  return n;
}

try {
  need('xz');
  need('tar');
  mkdirSync(OUT, { recursive: true });
  packNode();
  const deps = packApp();
  packDebs();
  const device = dirBytes(OUT);
  const tree = treeBytes();
  const parts = [
    `node.xz ${mib(statSync(join(OUT, 'node.xz')).size)}`,
    `app.tar.xz ${mib(statSync(join(OUT, 'app.tar.xz')).size)}`,
    `debs ${mib(dirBytes(join(OUT, 'debs')))}`,
  ];
  writeFileSync(
    join(OUT, 'MANIFEST.txt'),
    [
      `packed ${new Date().toISOString()} by tools/device/pack.mjs`,
      `node ${process.version} linux-x64`,
      `deps ${deps.join(' ')}`,
      `debs ${readdirSync(join(OUT, 'debs')).join(' ')}`,
      ...parts,
      '',
    ].join('\n'),
  );
  say(`${parts.join(', ')}`);
  say(
    `.device ${mib(device)} + working tree ${mib(tree)} = ${mib(device + tree)} of the ${mib(LIMIT)} that may travel`,
  );
  if (device + tree > LIMIT)
    throw new Error(`too big for run's ${mib(LIMIT)} limit: shrink .device or the tree`);
} catch (e) {
  console.error(`pack: error: ${e.message}`);
  process.exit(1);
}
