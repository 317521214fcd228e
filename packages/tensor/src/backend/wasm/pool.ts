// Worker pool for the WASM backend: `threads - 1` Node worker threads plus the calling thread run one
// kernel export on disjoint parts of a job, over the shared WebAssembly.Memory. Kernels are synchronous,
// so the caller blocks in Atomics.wait until the workers are done (allowed on Node's main thread; a
// browser main thread may not block, so pages run one thread).
//
// Control block (Int32Array over a SharedArrayBuffer): [0] job sequence number (workers wait on it),
// [1] workers done, [2] error flag, then per worker 16 slots: export id, up to 15 i32 arguments.

/** Exports the pool can run, by id (the worker indexes this list). */
export const POOL_EXPORTS = ['gemm'] as const;
export type PoolExport = (typeof POOL_EXPORTS)[number];

const SLOT = 16;
const HEADER = 8;

// CommonJS source of each worker (eval'd, so no file path has to survive bundling).
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, ctl, index, names } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const c = new Int32Array(ctl);
const base = ${HEADER} + index * ${SLOT};
// read the sequence number before saying ready: a job posted right after 'ready' must not be missed
let seen = Atomics.load(c, 0);
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  if (seen < 0) break;
  try {
    const f = ex[names[c[base]]];
    const n = c[base + 1];
    const a = [];
    for (let i = 0; i < n; i++) a.push(c[base + 2 + i]);
    f(...a);
  } catch (e) {
    Atomics.store(c, 2, 1);
  }
  Atomics.add(c, 1, 1);
  Atomics.notify(c, 1);
}
`;

interface NodeWorker {
  on(ev: 'message' | 'error' | 'exit', f: (v: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

export class WorkerPool {
  private readonly ctl: Int32Array;
  private constructor(
    private readonly workers: NodeWorker[],
    ctlBuffer: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(ctlBuffer);
  }

  /** Threads that run a job: the workers plus the caller. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Start `threads - 1` Node workers on `module` over `memory` (shared); resolves when all are ready. */
  static async create(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    threads: number,
  ): Promise<WorkerPool> {
    const spec = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ spec)) as {
      Worker: new (src: string, o: object) => NodeWorker;
    };
    const n = threads - 1;
    const ctlBuffer = new SharedArrayBuffer((HEADER + SLOT * n) * 4);
    const workers: NodeWorker[] = [];
    try {
      await Promise.all(
        Array.from({ length: n }, (_, index) => {
          const w = new Worker(WORKER_SOURCE, {
            eval: true,
            workerData: { module, memory, ctl: ctlBuffer, index, names: POOL_EXPORTS },
          });
          workers.push(w);
          return new Promise<void>((resolve, reject) => {
            w.on('message', () => resolve());
            w.on('error', (e) => reject(new Error(`wasm backend: worker ${index} failed to start: ${e}`)));
            w.on('exit', (code) =>
              reject(new Error(`wasm backend: worker ${index} exited (${code}) at start`)),
            );
          });
        }),
      );
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    }
    // Idle workers block in Atomics.wait; unref them so they never keep the process alive.
    for (const w of workers) w.unref();
    return new WorkerPool(workers, ctlBuffer);
  }

  /**
   * Run export `name` on every thread with `args(t)` (t = 0 is the caller, 1.. the workers), in
   * parallel, and return when all are done. `local` runs the caller's share.
   */
  run(name: PoolExport, args: (t: number) => number[], local: (a: number[]) => void): void {
    const c = this.ctl;
    const id = POOL_EXPORTS.indexOf(name);
    for (let w = 0; w < this.workers.length; w++) {
      const a = args(w + 1);
      const base = HEADER + w * SLOT;
      c[base] = id;
      c[base + 1] = a.length;
      for (let i = 0; i < a.length; i++) c[base + 2 + i] = a[i];
    }
    Atomics.store(c, 1, 0);
    Atomics.store(c, 2, 0);
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    let err: unknown = null;
    try {
      local(args(0));
    } catch (e) {
      err = e;
    }
    let d: number;
    // biome-ignore lint/suspicious/noAssignInExpressions: the standard wait loop
    while ((d = Atomics.load(c, 1)) < this.workers.length) Atomics.wait(c, 1, d);
    if (err) throw err;
    if (Atomics.load(c, 2)) throw new Error(`wasm backend: '${name}' trapped in a worker thread`);
  }

  /** Stop the workers (tests, shutdown). */
  async close(): Promise<void> {
    Atomics.store(this.ctl, 0, -1);
    Atomics.notify(this.ctl, 0);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
