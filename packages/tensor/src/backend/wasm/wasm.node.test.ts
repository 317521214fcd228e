import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { init } from '../../init.js';
import { listKernels } from '../../kernels/registry.js';
import { matmul } from '../../ops/nn.js';
import { tidy } from '../../scope.js';
import { tensor } from '../../tensor.js';
import { expectClose, liveTensors, randomArray } from '../../testing/index.js';
import { softwareAdapter } from '../webgpu/device.js';
import type { WasmBackend } from './backend.js';

const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('wasm backend (Node)', () => {
  it("init({ backend: 'auto' }) takes wasm on a software WebGPU adapter and says why", async () => {
    const r = await init({ backend: 'auto' });
    expect(r.gpu, 'auto should have looked at the WebGPU adapter').toBeDefined();
    const soft = softwareAdapter(r.gpu!);
    console.log(`auto -> ${r.backend.name}: ${r.reason}`);
    if (soft) {
      expect(r.backend.name).toBe('wasm');
      expect(r.reason).toBe(soft);
      expect(r.wasm?.threads).toBeGreaterThanOrEqual(1);
    } else {
      expect(r.backend.name).toBe('webgpu');
      expect(r.reason).toMatch(/hardware WebGPU adapter/);
    }
    // this project's machines run WebGPU on Mesa lavapipe (llvmpipe)
    if (/llvmpipe|lavapipe/i.test(`${r.gpu!.adapterName} ${r.gpu!.description}`)) {
      expect(r.backend.name).toBe('wasm');
      expect(r.reason).toMatch(/software/);
    }
  });

  it('softwareAdapter() recognises fallbacks by flag or by name, and hardware as such', () => {
    const base = {
      adapterName: 'NVIDIA GeForce RTX 4090',
      description: '',
      vendor: 'nvidia',
      architecture: '',
    };
    const info = (o: object) =>
      ({ ...base, isFallbackAdapter: false, ...o }) as Parameters<typeof softwareAdapter>[0];
    expect(softwareAdapter(info({}))).toBeNull();
    expect(softwareAdapter(info({ isFallbackAdapter: true }))).toMatch(/isFallbackAdapter/);
    expect(softwareAdapter(info({ adapterName: 'llvmpipe (LLVM 19.1.7, 256 bits)' }))).toMatch(/llvmpipe/);
    expect(softwareAdapter(info({ adapterName: 'SwiftShader Device (Subzero)' }))).toMatch(/SwiftShader/);
  });

  it('runs matmul on worker threads over shared memory, and tensors say where they live', async () => {
    const { backend } = await init({ backend: 'wasm' });
    const be = backend as WasmBackend;
    expect(be.name).toBe('wasm');
    expect(be.info.shared).toBe(true);
    // this file's first init took the defaults: min(4, cores)
    expect(be.info.threads).toBe(Math.min(4, availableParallelism()));
    // stock Node 20: the backend switched V8's relaxed-SIMD flag on itself (this file's first init
    // used the default options)
    expect(be.info.fma).toBe(true);
    expect(be.info.notes.join('; ')).toMatch(/switched on V8 relaxed SIMD at runtime|^$/);
    const a = tensor(randomArray(96 * 80, 1), [96, 80]);
    expect(a.backend.name).toBe('wasm');
    expect(a.toString()).toMatch(/on wasm/);
    const c = matmul(a, a.transpose(0, 1));
    const ref = await init({ backend: 'cpu' }).then(() => tensor(randomArray(96 * 80, 1), [96, 80]));
    const cr = matmul(ref, ref.transpose(0, 1));
    expectClose(await c.data(), await cr.data(), { atol: 1e-4, label: 'threaded matmul' });
    for (const t of [a, c, ref, cr]) t.dispose();
  });

  it('to() moves tensors between backends explicitly, and mixing backends is an error', async () => {
    await init({ backend: 'cpu' });
    await init({ backend: 'wasm' });
    const before = liveTensors();
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3], { backend: 'cpu' });
    const w = await x.to('wasm');
    expect(w.backend.name).toBe('wasm');
    expect(Array.from(await w.data())).toEqual([1, 2, 3, 4, 5, 6]);
    const wt = w.transpose(0, 1);
    const back = await wt.to('cpu');
    wt.dispose();
    expect(back.backend.name).toBe('cpu');
    expect(Array.from(await back.data())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => x.add(w)).toThrow(/different backends/);
    const g = await x.to('webgpu').catch(() => null); // WebGPU may be absent: then only wasm/cpu are checked
    if (g) {
      expect(g.backend.name).toBe('webgpu');
      const gw = await g.to('wasm');
      expect(Array.from(await gw.data())).toEqual([1, 2, 3, 4, 5, 6]);
      g.dispose();
      gw.dispose();
    }
    for (const t of [x, w, back]) t.dispose();
    expect(liveTensors()).toBe(before);
  });

  it('every CPU kernel runs on wasm (native or through the CPU reference on WASM memory)', async () => {
    await init({ backend: 'wasm' });
    const cpu = listKernels('cpu').map((k) => k.slice(4));
    const wasm = new Set(listKernels('wasm').map((k) => k.slice(5)));
    expect(cpu.filter((k) => !wasm.has(k))).toEqual([]);
  });

  it('CPU-reference fallbacks allocate their outputs on the WASM heap', async () => {
    const { backend } = await init({ backend: 'wasm' });
    const before = backend.stats().buffers;
    const x = tensor([1, -2, 3], [3]);
    const y = tidy(() => x.relu().add(1));
    expect(y.backend.name).toBe('wasm');
    expect(Array.from(await y.data())).toEqual([2, 1, 4]);
    expect(backend.stats().buffers).toBe(before + 2);
    x.dispose();
    y.dispose();
    expect(backend.stats().buffers).toBe(before);
  });

  it('the generated kernel modules are up to date with the .wat sources', () => {
    const out = execFileSync(process.execPath, [join(pkgRoot, 'scripts/build-wasm.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/up to date/);
  });
});
