// PyTorch as a speed anchor for the benchmark scripts: Debian's python3-torch run with OpenBLAS.
// Debian's torch links the reference BLAS (libblas.so.3, ~3 GFLOP/s); libopenblas0-pthread is extracted
// (apt-get download + dpkg -x, never installed system-wide) into node_modules/.cache and put first on
// LD_LIBRARY_PATH for the python subprocess only. Background: docs/architecture.md (performance notes).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** libopenblas0-pthread's library folder, extracted on first use; null (and a log line) if impossible. */
export function openblasDir(log = console.log) {
  const cache = join(repoRoot, 'node_modules', '.cache', 'unif2ace-bench', 'openblas');
  const lib = join(cache, 'usr', 'lib', 'x86_64-linux-gnu', 'openblas-pthread');
  if (existsSync(join(lib, 'libblas.so.3'))) return lib;
  try {
    mkdirSync(cache, { recursive: true });
    execFileSync('apt-get', ['download', 'libopenblas0-pthread'], {
      cwd: cache,
      stdio: 'pipe',
      timeout: 120_000,
    });
    const deb = readdirSync(cache).find((f) => f.startsWith('libopenblas0-pthread') && f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download produced no .deb');
    execFileSync('dpkg', ['-x', deb, '.'], { cwd: cache, stdio: 'pipe' });
    if (existsSync(join(lib, 'libblas.so.3'))) return lib;
    throw new Error(`${lib}/libblas.so.3 missing after dpkg -x`);
  } catch (e) {
    log(`PyTorch: could not extract OpenBLAS (${e.message.split('\n')[0]})`);
    return null;
  }
}

/**
 * Runs tools/bench/<script> with Debian's python3 + torch on OpenBLAS (or, with `allowReferenceBlas`,
 * the system BLAS when OpenBLAS cannot be had) and returns the JSON of its last stdout line, or
 * `{ skipped }` saying why not.
 */
export function runTorchScript(
  script,
  args,
  { log = console.log, allowReferenceBlas = false, timeout = 600_000 } = {},
) {
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  if (spawnSync(py, ['-c', 'import torch'], { stdio: 'pipe' }).status !== 0) {
    log('PyTorch: python3-torch is not installed here (bash tools/setup/setup --torch); column skipped');
    return { skipped: 'python3-torch missing' };
  }
  const lib = openblasDir(log);
  if (!lib && !allowReferenceBlas) return { skipped: 'no OpenBLAS' };
  const path = join(repoRoot, 'tools', 'bench', script);
  const r = spawnSync(py, [path, ...args], {
    env: { ...process.env, LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') },
    encoding: 'utf8',
    timeout,
  });
  if (r.status !== 0) {
    log(`PyTorch: ${script} failed: ${(r.stderr || r.error?.message || '').split('\n').slice(-2).join(' ')}`);
    return { skipped: `${script} failed` };
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  out.blas = lib ? `OpenBLAS (${lib})` : 'system reference BLAS';
  return out;
}
