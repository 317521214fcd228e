import type { AliasOptions } from 'vite';
import type { TestProjectInlineConfiguration } from 'vitest/config';

export declare function deviceProjects(opts: {
  resolve?: { alias: AliasOptions };
  /** Test files only the WebGPU projects run (left out of node-wasm and browser-wasm). */
  webgpuOnly?: string[];
  /** Test files only the WASM projects run. */
  wasmOnly?: string[];
  /** Worker threads in node-wasm (default: the backend's). */
  wasmThreads?: number;
  /** Node projects' test timeout in ms (default 120 000). */
  testTimeout?: number;
}): TestProjectInlineConfiguration[];
