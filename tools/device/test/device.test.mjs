// Packs .device/ for real, then boots it in a bare copy of the repo as the GPU machine would see it:
// only the files `run` sends, no Node on PATH, an empty HOME and TMPDIR. UNIF2ACE_DEVICE_DRY=1 unpacks the
// carried loader debs into TMPDIR (LD_LIBRARY_PATH) instead of /, and this machine's lavapipe is the driver.
import { execFile, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEVICE = join(ROOT, '.device');
const exec = promisify(execFile);
const TOOLS = [
  'bash',
  'sh',
  'env',
  'tar',
  'xz',
  'mkdir',
  'chmod',
  'mv',
  'cat',
  'ls',
  'rm',
  'dirname',
  'grep',
  'wc',
];
const SBIN = ['ldconfig', 'dpkg', 'dpkg-deb'];
const SYS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

let sim; // temp folder: repo/ (the copy), bin/ (PATH without node), home/, tmp/

/** A PATH folder with symlinks to just these tools (none of them node). */
function binDir(name, tools) {
  const dir = join(sim, name);
  mkdirSync(dir);
  for (const t of tools) {
    const path = execFileSync('sh', ['-c', `command -v ${t} || true`], { env: { PATH: SYS_PATH } })
      .toString()
      .trim();
    if (!path) throw new Error(`'${t}' is not installed here; the simulated device needs it`);
    symlinkSync(path, join(dir, t));
  }
  return dir;
}

/** bootstrap.sh in repo `repo` with a bare environment; resolves to { code, stdout, stderr }. */
async function bootstrap(repo, bin, command, env = {}) {
  const bare = {
    PATH: bin,
    HOME: join(sim, 'home'),
    TMPDIR: join(sim, 'tmp'),
    UNIF2ACE_DEVICE_DRY: '1',
    ...env,
  };
  try {
    const { stdout, stderr } = await exec('/bin/bash', ['tools/device/bootstrap.sh', ...command], {
      cwd: repo,
      env: bare,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function dirBytes(d) {
  return readdirSync(d, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? dirBytes(join(d, e.name)) : statSync(join(d, e.name)).size),
    0,
  );
}

beforeAll(async () => {
  const t0 = performance.now();
  const { stdout } = await exec(process.execPath, [join(ROOT, 'tools/device/pack.mjs')], {
    timeout: 280_000,
  }).catch((e) => {
    throw new Error(`pack.mjs failed:\n${e.stdout}\n${e.stderr}`);
  });
  console.log(`${stdout}pack.mjs took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  sim = mkdtempSync(join(tmpdir(), 'unif2ace-device-test-'));
  for (const d of ['home', 'tmp']) mkdirSync(join(sim, d));
  // What `run` sends: tracked and untracked-not-ignored files, plus the carried .device.
  const files = execFileSync('git', ['ls-files', '-coz', '--exclude-standard'], { cwd: ROOT })
    .toString()
    .split('\0');
  for (const f of files.filter((f) => f && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(sim, 'repo', f)), { recursive: true });
    cpSync(join(ROOT, f), join(sim, 'repo', f));
  }
  cpSync(DEVICE, join(sim, 'repo', '.device'), { recursive: true });
}, 300_000);

afterAll(() => {
  if (sim) rmSync(sim, { recursive: true, force: true });
});

describe('pack.mjs', () => {
  it('fills .device with Node, the app and the loader debs, within the 64 MiB that may travel', () => {
    const bytes = dirBytes(DEVICE);
    console.log(`.device: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    expect(bytes).toBeLessThan(64 * 2 ** 20);
    expect(readdirSync(join(DEVICE, 'debs')).some((f) => f.startsWith('libvulkan1_'))).toBe(true);
    const listing = execFileSync('tar', ['-tJf', join(DEVICE, 'app.tar.xz')])
      .toString()
      .split('\n');
    expect(listing).toContain('node_modules/webgpu/dist/linux-x64/dawn.node');
    expect(listing.filter((f) => /webgpu\/dist\/(?!linux-x64)[^/]+\//.test(f))).toEqual([]);
    expect(listing).toContain('packages/tensor/dist/index.js');
  });
});

describe('bootstrap.sh in a bare copy of the repo', () => {
  it('unpacks Node and the loader, then gpu-info and the demo run', async () => {
    const bin = binDir('bin', [...TOOLS, ...SBIN]);
    const script = 'command -v node; node tools/gpu-info/gpu-info.mjs && node tools/gpu-info/demo.mjs';
    const r = await bootstrap(join(sim, 'repo'), bin, ['bash', '-c', script], {
      UNIF2ACE_DEVICE_DEBS: 'always',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(join(sim, 'tmp/unif2ace-device/bin/node'));
    expect(r.stdout).toMatch(/^adapter:\s+\S/m);
    expect(r.stdout).toMatch(/^runtime:\s+node-dawn, backend vulkan/m);
    // The carried loader, not this machine's, was the one loaded.
    expect(r.stdout).toContain(
      `vulkan:    loader ${join(sim, 'tmp/unif2ace-device/root/usr/lib/x86_64-linux-gnu/libvulkan.so')}`,
    );
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('OK');
  });

  it('unpacks with python3 where xz is missing, or says that both are missing', async () => {
    let python = '';
    try {
      python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim();
    } catch {} // no python3 here: then the error path is what this machine can check
    const bin = binDir('bin-no-xz', [...TOOLS.filter((t) => t !== 'xz'), ...SBIN]);
    if (python) symlinkSync(python, join(bin, 'python3'));
    const r = await bootstrap(join(sim, 'repo'), bin, ['node', '-p', '6*7']);
    if (python) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('42');
    } else {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('neither xz nor python3 is here to unpack');
    }
  });

  it('names what is missing, and refuses a pnpm-installed tree', async () => {
    const bare = join(sim, 'bare');
    cpSync(join(ROOT, 'tools/device/bootstrap.sh'), join(bare, 'tools/device/bootstrap.sh'));
    const bin = join(sim, 'bin');
    let r = await bootstrap(bare, bin, ['node', '-v']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bare}/.device/node.xz is missing: run 'node tools/device/pack.mjs'`);
    expect((await bootstrap(bare, bin, [])).stderr).toContain('no command');
    symlinkSync(DEVICE, join(bare, '.device'));
    mkdirSync(join(bare, 'node_modules'));
    writeFileSync(join(bare, 'node_modules/.modules.yaml'), '');
    r = await bootstrap(bare, bin, ['node', '-v']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('was installed by pnpm');
  });
});
