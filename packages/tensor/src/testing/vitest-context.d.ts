// What tools/vitest/device-projects.js provides to every test file (read with vitest's inject()). Kept out
// of the published declarations: they must type-check for a user without vitest.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The backend a vitest project runs the suite on (see DEVICE). */
    device: 'webgpu' | 'wasm';
    /** WASM projects: relaxed-SIMD FMA kernels (true) or plain SIMD128 (false), so both get tested. */
    wasmFma?: boolean;
    /** WASM projects: worker threads (the Node project runs 3 on 2 cores, so uneven splits get tested). */
    wasmThreads?: number;
  }
}
