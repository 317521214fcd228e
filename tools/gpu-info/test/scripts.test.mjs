// Runs `pnpm gpu-info` (Node and --browser) and `pnpm demo` as child processes, as a user would.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('..', import.meta.url));

async function node(script, ...args) {
  try {
    return await run(process.execPath, [script, ...args], { cwd: dir, timeout: 100_000 });
  } catch (e) {
    throw new Error(`${script} ${args.join(' ')} exited ${e.code}:\n${e.stdout}\n${e.stderr}`);
  }
}

/** The value on a `name:   value` line of formatGpuInfo's output. */
function field(out, name) {
  const m = out.match(new RegExp(`^${name}:\\s+(.+)$`, 'm'));
  if (!m) throw new Error(`no '${name}:' line in:\n${out}`);
  return m[1];
}

describe('gpu-info', () => {
  it('reports a Dawn adapter in Node', async () => {
    const { stdout } = await node('gpu-info.mjs');
    expect(field(stdout, 'adapter')).toMatch(/\w/);
    expect(field(stdout, 'runtime')).toMatch(
      /^node-dawn, backend vulkan, feature level (core|compatibility)$/,
    );
    expect(field(stdout, 'limits')).toMatch(/maxBufferSize [1-9]\d* MiB/);
    expect(field(stdout, 'host')).toContain(`node ${process.version}`);
    expect(field(stdout, 'wasm')).toMatch(/^2 threads, FMA (on|off), shared memory yes/);
    // this machine's only adapter is lavapipe, a software renderer: auto takes the WASM backend
    expect(field(stdout, 'auto')).toMatch(/^wasm \(WebGPU adapter '.*' is a software/);
  });

  it('reports a navigator.gpu adapter in headless Chromium with --browser', async () => {
    const { stdout } = await node('gpu-info.mjs', '--browser');
    expect(field(stdout, 'adapter')).toMatch(/\w/);
    expect(field(stdout, 'runtime')).toMatch(/^browser, backend browser, feature level/);
    expect(field(stdout, 'browser')).toMatch(/^\d+\.\d+.*, cross-origin isolated yes$/);
    // the page is cross-origin isolated, so the WASM backend gets its worker threads there too
    expect(field(stdout, 'wasm')).toMatch(/^2 threads, FMA on, shared memory yes/);
    expect(field(stdout, 'auto')).toMatch(/^wasm \(WebGPU adapter '.*' is a software/);
  });

  it('rejects an unknown argument, naming it', async () => {
    await expect(node('gpu-info.mjs', '--nope')).rejects.toThrow(/exited 2[\s\S]*unknown argument '--nope'/);
  });
});

describe('demo', () => {
  it('multiplies on the GPU and matches the CPU', async () => {
    const { stdout } = await node('demo.mjs');
    expect(field(stdout, 'adapter')).toMatch(/\w/);
    const err = Number(stdout.match(/max \|error\| (\S+)/)?.[1]);
    expect(err).toBeLessThanOrEqual(1e-3);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('OK');
  });
});
