// What a newcomer meets in their first minutes, run as they would run it: a one-line `node -e` program
// against the built dist (so the parent's flags are the user's), with stderr read as they would see it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')).href;

/**
 * Runs an ESM one-liner with `node --input-type=module -e`, its stderr a shell pipe (as in a terminal's
 * `… | less` or a CI log); spawnSync's own pipes are sockets, where Node cannot silence Dawn (see
 * src/backend/webgpu/quiet-stderr.ts).
 */
function nodeEval(code: string, env: Record<string, string> = {}) {
  const script = '{ "$0" --input-type=module -e "$1" 2>&1 1>&3 | cat >&2; } 3>&1';
  const r = spawnSync('sh', ['-c', script, process.execPath, code], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, UNIF2ACE_DEBUG: '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DAWN_NOTICE = /artificially reduced/;

describe('a first program', () => {
  it("init({ backend: 'auto' }) starts the WASM workers under `node --input-type=module -e`", () => {
    const r = nodeEval(
      `import { init, tensor } from '${dist}';
       const r = await init({ backend: 'auto', wasm: { threads: 2 } });
       const y = tensor([1, 2, 3, 4], [2, 2]).matmul(tensor([1, 0, 0, 1], [2, 2]));
       console.log(r.backend.name, r.wasm?.threads ?? '-', Array.from(await y.data()).join(','));`,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // lavapipe here: auto picks wasm (a hardware adapter would give webgpu and no thread count)
    expect(r.stdout.trim()).toMatch(/^(wasm 2|webgpu -) 1,2,3,4$/);
  });

  it("keeps Dawn's start-up notices off stderr, and shows them with UNIF2ACE_DEBUG=1", () => {
    const code = `import { init } from '${dist}';
      const r = await init({ backend: 'webgpu' });
      console.log(r.gpu.adapterName);
      console.error('stderr still reaches the user');`;
    const quiet = nodeEval(code);
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(DAWN_NOTICE);
    expect(quiet.stderr).toContain('stderr still reaches the user');
    const debug = nodeEval(code, { UNIF2ACE_DEBUG: '1' });
    expect(debug.status, debug.stderr).toBe(0);
    // Dawn prints the notice where an adapter's limits exceed its own (lavapipe and most Linux drivers)
    if (/llvmpipe|lavapipe/i.test(debug.stdout)) expect(debug.stderr).toMatch(DAWN_NOTICE);
  });

  it.each(['cuda', 'gpu', 'WebGPU'])(
    "rejects the backend name '%s' in init() and t.to(), listing the valid ones",
    (name) => {
      const r = nodeEval(
        `import { init, tensor } from '${dist}';
       try { await init({ backend: ${JSON.stringify(name)} }); } catch (e) { console.log(e.message); }
       await init({ backend: 'cpu' });
       const t = tensor([1, 2], [2]);
       try { await t.to(${JSON.stringify(name)}); } catch (e) { console.log(e.message); }
       t.dispose();`,
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual([
        `init: unknown backend "${name}" (valid: 'webgpu', 'wasm', 'cpu', 'auto')`,
        `Tensor.to: unknown backend "${name}" (valid: 'webgpu', 'wasm', 'cpu')`,
      ]);
    },
  );
});
