// The model worker: picks the backend, loads the model from the server, and runs generate / describe /
// answer, posting each generation step as a picture (partial codes decoded, masked cells drawn neutral).
import type { RgbImage } from '@unif2ace/data';
import { UniF2ace } from '@unif2ace/model';
import { init, memoryStats } from '@unif2ace/tensor';
import { partialPicture } from '../partial.js';
import type { FromWorker, ModelInfo, ToWorker } from './protocol.js';

interface WorkerScope {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let model: UniF2ace | null = null;
let queue: Promise<void> = Promise.resolve();

const post = (m: FromWorker, images: RgbImage[] = []) =>
  scope.postMessage(
    m,
    images.map((i) => i.rgb.buffer as ArrayBuffer),
  );

function describeFailure(backend: string, e: unknown): string {
  const why = e instanceof Error ? e.message : String(e);
  if (backend === 'auto')
    return `Neither backend works in this browser: WebGPU has no adapter and WebAssembly failed (${why}). A current Chrome, Edge, Firefox or Safari runs the WebAssembly backend.`;
  if (backend === 'webgpu')
    return `WebGPU does not work here (${why}). Choose "auto" or "WASM" above: WebAssembly runs everywhere.`;
  return `The WebAssembly backend failed to start (${why}).`;
}

async function load(backend: 'auto' | 'wasm' | 'webgpu', modelUrl: string): Promise<void> {
  const t0 = performance.now();
  let picked: Awaited<ReturnType<typeof init>>;
  try {
    picked = await init({ backend });
  } catch (e) {
    // auto prefers WASM over a software WebGPU adapter; when WASM itself fails, a slow GPU beats none
    const retry = backend === 'auto' ? await init({ backend: 'webgpu' }).catch(() => null) : null;
    if (!retry) {
      post({ type: 'load-error', message: describeFailure(backend, e) });
      return;
    }
    picked = { ...retry, reason: `WebAssembly failed (${(e as Error).message}); WebGPU instead` };
  }
  try {
    model = await UniF2ace.load(new URL(modelUrl), {
      onProgress: (e) => post({ type: 'progress', e: { ...e } }),
    });
  } catch (e) {
    post({ type: 'load-error', message: `The model could not be loaded: ${(e as Error).message}` });
    return;
  }
  const [gh, gw] = model.imageTokenizer.gridSize;
  let parameters = 0;
  for (const p of model.parameters()) parameters += p.size;
  const info: ModelInfo = {
    backend: picked.backend.name,
    reason:
      picked.reason ??
      (backend === 'webgpu'
        ? `asked for WebGPU (${picked.gpu?.adapterName ?? 'adapter'})`
        : `asked for ${backend}`),
    threads: picked.wasm?.threads ?? 1,
    imageSize: model.imageTokenizer.imageSize,
    grid: [gh, gw],
    textLength: model.config.textLength,
    parameters,
    loadMs: performance.now() - t0,
    tensorBytes: memoryStats().bytesAllocated,
  };
  post({ type: 'ready', info });
}

async function generate(m: Extract<ToWorker, { type: 'generate' }>): Promise<void> {
  const mdl = model!;
  const K = mdl.maskCode;
  const [gh, gw] = mdl.imageTokenizer.gridSize;
  const size = mdl.imageTokenizer.imageSize;
  const tokens = mdl.tokenizer.encode(m.prompt).length;
  const read = mdl.config.textLength - 2; // the T2I row's text span holds bos, the caption and eos
  const truncated = tokens > read ? { tokens, read } : undefined;
  const stepMs: number[] = [];
  const t0 = performance.now();
  let last = t0;
  let decodeMs = 0;
  let peakBytes = memoryStats().bytesAllocated;
  const { image } = await mdl.generate(m.prompt, {
    seed: m.seed,
    steps: m.steps,
    cfg: m.cfg,
    onStep: async (s) => {
      const now = performance.now();
      stepMs.push(now - last);
      peakBytes = Math.max(peakBytes, memoryStats().bytesAllocated);
      const pic = await partialPicture(s.codes, K, [gh, gw], size, (c) => mdl.decodeCodes(c));
      post(
        {
          type: 'step',
          id: m.id,
          step: s.step + 1,
          steps: s.steps,
          image: pic.image,
          masked: pic.masked,
          ms: now - t0,
        },
        [pic.image],
      );
      last = performance.now();
      decodeMs += last - now;
    },
  });
  peakBytes = Math.max(peakBytes, memoryStats().bytesAllocated);
  post(
    {
      type: 'generated',
      id: m.id,
      image,
      ms: performance.now() - t0,
      stepMs,
      decodeMs,
      peakBytes,
      truncated,
    },
    [image],
  );
}

async function run(m: ToWorker): Promise<void> {
  if (m.type === 'load') return load(m.backend, m.modelUrl);
  if (!model) {
    post({ type: 'error', id: m.id, message: 'The model is not loaded.' });
    return;
  }
  try {
    const t0 = performance.now();
    if (m.type === 'generate') await generate(m);
    else if (m.type === 'describe') {
      const text = await model.describe(m.image);
      post({ type: 'answer', id: m.id, text, ms: performance.now() - t0 });
    } else {
      const text = await model.answer(m.image, m.question);
      post({ type: 'answer', id: m.id, text, ms: performance.now() - t0 });
    }
  } catch (e) {
    post({ type: 'error', id: m.id, message: `The model failed: ${(e as Error).message}` });
  }
}

scope.onmessage = (e) => {
  // one request at a time, in order
  queue = queue.then(() => run(e.data));
};
