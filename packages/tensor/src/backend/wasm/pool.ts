// Worker pool for the WASM backend: `threads - 1` worker threads plus the calling thread run one
// kernel export on disjoint parts of a job, over the shared WebAssembly.Memory. Every worker instantiates
// every kernel module; a job names one export ("family.name") and its i32/f32 arguments per thread.
// Kernels are synchronous, so the caller blocks until the workers are done: Atomics.wait in Node, a spin
// on Atomics.load in a page (a browser main thread may not Atomics.wait, but it may spin). Pages need
// cross-origin isolation (COOP/COEP headers) for the shared memory.
//
// Control block (Int32Array over a SharedArrayBuffer): [0] job sequence number (workers wait on it),
// [1] workers done, [2] error flag, then per worker 16 slots: export id, argument count, up to 14
// arguments (bit patterns: f32 arguments travel through a Float32Array view of the same slots).

const SLOT = 16;
const HEADER = 8;
const MAX_ARGS = SLOT - 2;
/**
 * How long a thread polls before it sleeps on a futex, in ms. A futex wake-up costs tens of microseconds
 * to milliseconds on a busy host, which small kernels (a [512, 128] @ [128, 384] matmul takes ~1 ms) feel
 * on every call; a worker idle for longer than this sleeps.
 */
const SPIN_MS = 1;

/** Every export of every module, as "family.name": the id a job sends is an index into this list. */
export function exportNames(modules: Record<string, WebAssembly.Module>): string[] {
  const names: string[] = [];
  for (const family of Object.keys(modules).sort()) {
    for (const e of WebAssembly.Module.exports(modules[family])) {
      if (e.kind === 'function') names.push(`${family}.${e.name}`);
    }
  }
  return names;
}

// The worker's loop, shared by Node (worker_threads, an ES module from a data: URL) and pages (a Blob-URL worker):
// `start(data, ready)` gets { modules, memory, ctl, index, names } and loops until the sequence is < 0.
const WORKER_LOOP = `
const SPIN_MS = ${SPIN_MS};
function start({ modules, memory, ctl, index, names }, ready) {
  const inst = {};
  for (const f of Object.keys(modules)) inst[f] = new WebAssembly.Instance(modules[f], { env: { memory } }).exports;
  const fns = names.map((n) => { const [f, e] = n.split('.'); return inst[f][e]; });
  const c = new Int32Array(ctl);
  const cf = new Float32Array(ctl);
  const base = ${HEADER} + index * ${SLOT};
  // read the sequence number before saying ready: a job posted right after 'ready' must not be missed
  let seen = Atomics.load(c, 0);
  ready();
  for (;;) {
    // kernels come in bursts: poll a while before sleeping, so the next job skips a futex wake-up
    const until = performance.now() + SPIN_MS;
    while (Atomics.load(c, 0) === seen && performance.now() < until);
    Atomics.wait(c, 0, seen);
    seen = Atomics.load(c, 0);
    if (seen < 0) break;
    try {
      const head = c[base + 1];
      const n = head & 255;
      const floats = head >>> 8;
      const a = [];
      for (let i = 0; i < n; i++) a.push((floats >>> i) & 1 ? cf[base + 2 + i] : c[base + 2 + i]);
      fns[c[base]](...a);
    } catch (e) {
      Atomics.store(c, 2, 1);
    }
    Atomics.add(c, 1, 1);
    Atomics.notify(c, 1);
  }
}
`;

// An ES module from a data: URL, started with no execArgv: the parent's flags (`--input-type=module`,
// `--experimental-default-type`, loaders) would otherwise decide how eval'd worker code is parsed.
const NODE_WORKER = `${WORKER_LOOP}
import { workerData, parentPort } from 'node:worker_threads';
start(workerData, () => parentPort.postMessage('ready'));
`;
const NODE_WORKER_URL = `data:text/javascript,${encodeURIComponent(NODE_WORKER)}`;

const PAGE_WORKER = `${WORKER_LOOP}
self.onmessage = (e) => start(e.data, () => self.postMessage('ready'));
`;

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** What the pool needs of a worker in either environment. */
interface AnyWorker {
  terminate(): unknown;
}

export class WorkerPool {
  private readonly ctl: Int32Array;
  private readonly ctlF: Float32Array;
  private readonly ids: Map<string, number>;

  private constructor(
    private readonly workers: AnyWorker[],
    ctlBuffer: SharedArrayBuffer,
    names: string[],
  ) {
    this.ctl = new Int32Array(ctlBuffer);
    this.ctlF = new Float32Array(ctlBuffer);
    this.ids = new Map(names.map((n, i) => [n, i]));
  }

  /** Threads that run a job: the workers plus the caller. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Start `threads - 1` workers (Node worker_threads, or Web Workers in a cross-origin-isolated page)
   * over `memory` (shared), each instantiating every module; resolves when all are ready.
   */
  static async create(
    modules: Record<string, WebAssembly.Module>,
    memory: WebAssembly.Memory,
    threads: number,
  ): Promise<WorkerPool> {
    const n = threads - 1;
    const ctl = new SharedArrayBuffer((HEADER + SLOT * n) * 4);
    const names = exportNames(modules);
    const workers: AnyWorker[] = [];
    const data = (index: number) => ({ modules, memory, ctl, index, names });
    const failed = (index: number, why: unknown) =>
      new Error(`wasm backend: worker ${index} failed to start: ${why}`);
    try {
      if (isNode) {
        const spec = 'node:worker_threads';
        type NodeWorker = AnyWorker & { on(ev: string, f: (v: unknown) => void): void; unref(): void };
        const { Worker } = (await import(/* @vite-ignore */ spec)) as {
          Worker: new (src: URL, o: object) => NodeWorker;
        };
        await Promise.all(
          Array.from({ length: n }, (_, index) => {
            const w = new Worker(new URL(NODE_WORKER_URL), { execArgv: [], workerData: data(index) });
            workers.push(w);
            return new Promise<void>((resolve, reject) => {
              w.on('message', () => resolve());
              w.on('error', (e) => reject(failed(index, e)));
              w.on('exit', (code) => reject(failed(index, `exit code ${code}`)));
            });
          }),
        );
        // Idle workers block in Atomics.wait; unref them so they never keep the process alive.
        for (const w of workers as NodeWorker[]) w.unref();
      } else {
        const url = URL.createObjectURL(new Blob([PAGE_WORKER], { type: 'text/javascript' }));
        try {
          await Promise.all(
            Array.from({ length: n }, (_, index) => {
              const w = new Worker(url);
              workers.push(w);
              return new Promise<void>((resolve, reject) => {
                w.onmessage = () => resolve();
                w.onerror = (e) => reject(failed(index, e.message));
                w.postMessage(data(index));
              });
            }),
          );
        } finally {
          URL.revokeObjectURL(url);
        }
      }
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    }
    return new WorkerPool(workers, ctl, names);
  }

  /**
   * Run export `name` ("family.export") on every thread with `args(t)` (t = 0 is the caller, 1.. the
   * workers), in parallel, and return when all are done. `local` runs the caller's share. Bit i of
   * `floats` marks argument i as an f32 (the rest are i32).
   */
  run(name: string, args: (t: number) => number[], local: (a: number[]) => void, floats = 0): void {
    const c = this.ctl;
    const id = this.ids.get(name);
    if (id === undefined) throw new Error(`wasm backend: the worker pool has no export '${name}'`);
    for (let w = 0; w < this.workers.length; w++) {
      const a = args(w + 1);
      if (a.length > MAX_ARGS) throw new Error(`wasm backend: '${name}' takes at most ${MAX_ARGS} arguments`);
      const base = HEADER + w * SLOT;
      c[base] = id;
      c[base + 1] = a.length | (floats << 8);
      for (let i = 0; i < a.length; i++) {
        if ((floats >>> i) & 1) this.ctlF[base + 2 + i] = a[i];
        else c[base + 2 + i] = a[i];
      }
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
    const n = this.workers.length;
    if (isNode) {
      const until = performance.now() + SPIN_MS;
      while (Atomics.load(c, 1) < n && performance.now() < until);
      for (let d = Atomics.load(c, 1); d < n; d = Atomics.load(c, 1)) Atomics.wait(c, 1, d);
    } else {
      // a page's main thread may not block in Atomics.wait: spin (the job is short by construction)
      while (Atomics.load(c, 1) < n) {}
    }
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
