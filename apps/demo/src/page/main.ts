// The demo page: the UI thread. The model lives in worker.ts; this file draws, validates input and talks to it.
import {
  encodePng,
  faceSeed,
  makeCaption,
  type RgbImage,
  Rng,
  renderFace,
  sampleAttributes,
  splitOf,
  visibleAttributes,
} from '@unif2ace/data';
import { type ChipGroup, chipGroups, composeDescription, type Selection } from '../compose.js';
import { faceFromBytes, MAX_IMAGE_BYTES } from '../image-input.js';
import { checkPrompt, knownWords, words } from '../prompt.js';
import type { BackendChoice, FromWorker, ModelInfo, ToWorker } from './protocol.js';

/** Questions longer than this are refused (the model's sequence holds a short question and its answer). */
export const MAX_QUESTION_CHARS = 300;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = {
  backend: $<HTMLSelectElement>('backend'),
  backendInfo: $('backend-info'),
  progress: $<HTMLProgressElement>('load-progress'),
  status: $('status'),
  prompt: $<HTMLTextAreaElement>('prompt'),
  chips: $('chips'),
  seed: $<HTMLInputElement>('seed'),
  reseed: $<HTMLButtonElement>('reseed'),
  steps: $<HTMLInputElement>('steps'),
  cfg: $<HTMLInputElement>('cfg'),
  generate: $<HTMLButtonElement>('generate'),
  genMsg: $('gen-msg'),
  face: $<HTMLCanvasElement>('face'),
  step: $('step'),
  download: $<HTMLButtonElement>('download'),
  srcGenerated: $<HTMLInputElement>('src-generated'),
  srcSample: $<HTMLInputElement>('src-sample'),
  anotherSample: $<HTMLButtonElement>('another-sample'),
  upload: $<HTMLInputElement>('upload'),
  undMsg: $('und-msg'),
  undFace: $<HTMLCanvasElement>('und-face'),
  undSource: $('und-source'),
  describe: $<HTMLButtonElement>('describe'),
  caption: $('caption'),
  truthBox: $<HTMLDetailsElement>('truth-box'),
  truth: $('truth'),
  askForm: $<HTMLFormElement>('ask-form'),
  question: $<HTMLInputElement>('question'),
  ask: $<HTMLButtonElement>('ask'),
  answers: $('answers'),
};

function say(target: HTMLElement, text: string, kind: 'info' | 'warn' | 'error' = 'info'): void {
  target.textContent = text;
  target.className = `msg ${kind === 'info' ? '' : kind}`.trim();
}

// ---- drawing -------------------------------------------------------------------------------------------

function draw(canvas: HTMLCanvasElement, img: RgbImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const data = ctx.createImageData(img.width, img.height);
  for (let i = 0, j = 0; i < img.width * img.height; i++, j += 3) {
    data.data[i * 4] = img.rgb[j];
    data.data[i * 4 + 1] = img.rgb[j + 1];
    data.data[i * 4 + 2] = img.rgb[j + 2];
    data.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(data, 0, 0);
}

// ---- the model worker ----------------------------------------------------------------------------------

let worker: Worker | null = null;
let info: ModelInfo | null = null;
let nextId = 1;
const pending = new Map<number, (m: FromWorker) => void>();

function setModelState(state: 'starting' | 'loading' | 'ready' | 'none' | 'error'): void {
  document.body.dataset.model = state;
  const ready = state === 'ready';
  el.generate.disabled = !ready || busy;
  el.describe.disabled = !ready || busy;
  el.ask.disabled = !ready || busy;
}

let busy = false;
function setBusy(b: boolean): void {
  busy = b;
  setModelState(document.body.dataset.model as 'ready');
}

function request(msg: ToWorker & { id: number }, onStep?: (m: FromWorker) => void): Promise<FromWorker> {
  return new Promise((resolve) => {
    pending.set(msg.id, (m) => {
      if (m.type === 'step') onStep?.(m);
      else {
        pending.delete(msg.id);
        resolve(m);
      }
    });
    worker?.postMessage(msg);
  });
}

async function modelServed(): Promise<string | null> {
  try {
    const res = await fetch('model/config.json');
    if (res.status === 404)
      return 'No model is served. Start the demo with a model folder (pnpm demo --model DIR), or build the shipped nano weights.';
    if (!res.ok) return `The model config could not be fetched (HTTP ${res.status}).`;
    return null;
  } catch (e) {
    return `The server cannot be reached (${(e as Error).message}).`;
  }
}

/** Ends every request in flight with `message` (the worker was restarted or died). */
function failPending(message: string): void {
  for (const resolve of [...pending.values()]) resolve({ type: 'error', id: 0, message });
  pending.clear();
}

async function startModel(backend: BackendChoice): Promise<void> {
  worker?.terminate();
  failPending('The model was restarted.');
  info = null;
  setModelState('starting');
  const missing = await modelServed();
  if (missing) {
    setModelState('none');
    el.backendInfo.textContent = 'no model';
    say(el.status, missing, 'error');
    return;
  }
  setModelState('loading');
  el.progress.hidden = false;
  el.progress.removeAttribute('value');
  el.backendInfo.textContent = `loading the model (${backend})…`;
  say(el.status, '');
  const w = new Worker('./worker.js', { type: 'module' });
  worker = w;
  const loaded = new Map<string, { loaded: number; total: number }>();
  w.onerror = (e) => {
    const why = `The model worker stopped: ${e.message || 'unknown error'}.`;
    failPending(why);
    setModelState('error');
    el.progress.hidden = true;
    say(el.status, `${why} Reload the page or pick another backend.`, 'error');
  };
  w.onmessage = (ev: MessageEvent<FromWorker>) => {
    const m = ev.data;
    switch (m.type) {
      case 'progress': {
        const { file, loaded: l, total } = m.e;
        if (file && total) loaded.set(file, { loaded: l ?? 0, total });
        let sum = 0;
        let all = 0;
        for (const v of loaded.values()) {
          sum += v.loaded;
          all += v.total;
        }
        if (all > 0) {
          el.progress.value = sum / all;
          el.backendInfo.textContent = `loading the model: ${(sum / 2 ** 20).toFixed(1)} of ${(all / 2 ** 20).toFixed(1)} MiB`;
        }
        return;
      }
      case 'ready':
        info = m.info;
        el.progress.hidden = true;
        el.backendInfo.textContent = `${m.info.backend}${m.info.backend === 'wasm' ? ` · ${m.info.threads} thread${m.info.threads === 1 ? '' : 's'}` : ''} — ${m.info.reason}`;
        document.body.dataset.loadMs = String(m.info.loadMs);
        document.body.dataset.tensorBytes = String(m.info.tensorBytes);
        el.backendInfo.title = `loaded in ${m.info.loadMs.toFixed(0)} ms; ${(m.info.parameters / 1e6).toFixed(2)}M parameters`;
        document.body.dataset.backend = m.info.backend;
        say(
          el.status,
          `Model ready in ${(m.info.loadMs / 1000).toFixed(1)} s (${(m.info.parameters / 1e6).toFixed(2)}M parameters).`,
        );
        setModelState('ready');
        if (!understandImage) showSample();
        return;
      case 'load-error':
        setModelState('error');
        el.progress.hidden = true;
        el.backendInfo.textContent = 'no backend';
        say(el.status, m.message, 'error');
        return;
      default:
        pending.get(m.id)?.(m);
    }
  };
  w.postMessage({
    type: 'load',
    backend,
    modelUrl: new URL('model/', location.href).href,
  } satisfies ToWorker);
}

// ---- Generate ------------------------------------------------------------------------------------------

const selection: Selection = {};
let lastFace: { image: RgbImage; seed: number; prompt: string } | null = null;

function renderChips(groups: ChipGroup[]): void {
  for (const g of groups) {
    const row = document.createElement('div');
    row.className = 'chip-group';
    const label = document.createElement('b');
    label.textContent = g.group;
    row.append(label);
    for (const c of g.chips) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'chip';
      b.textContent = c.label;
      b.dataset.attr = c.attr;
      b.dataset.value = String(c.value);
      b.setAttribute('aria-pressed', 'false');
      b.onclick = () => {
        const on = selection[c.attr] === c.value;
        if (on) delete selection[c.attr];
        else selection[c.attr] = c.value as never;
        el.chips.querySelectorAll<HTMLButtonElement>(`.chip[data-attr="${c.attr}"]`).forEach((other) => {
          other.setAttribute('aria-pressed', String(!on && other === b));
        });
        el.prompt.value = composeDescription(selection);
        say(el.genMsg, '');
      };
      row.append(b);
    }
    el.chips.append(row);
  }
}

function intInput(input: HTMLInputElement, name: string, lo: number, hi: number): number | string {
  const v = Number(input.value);
  if (input.value.trim() === '' || !Number.isInteger(v) || v < lo || v > hi)
    return `${name} must be a whole number from ${lo} to ${hi} (got "${input.value}").`;
  return v;
}

async function generate(): Promise<void> {
  if (!info || busy) return;
  const check = checkPrompt(el.prompt.value);
  if (check.error) {
    say(el.genMsg, check.error, 'error');
    return;
  }
  const seed = intInput(el.seed, 'The seed', 0, 2 ** 32 - 1);
  const steps = intInput(el.steps, 'Steps', 1, 64);
  const cfg = Number(el.cfg.value);
  for (const v of [seed, steps]) {
    if (typeof v === 'string') {
      say(el.genMsg, v, 'error');
      return;
    }
  }
  if (el.cfg.value.trim() === '' || !Number.isFinite(cfg) || cfg < 0 || cfg > 20) {
    say(el.genMsg, `Guidance must be a number from 0 to 20 (got "${el.cfg.value}").`, 'error');
    return;
  }
  say(el.genMsg, check.warnings.join('\n'), check.warnings.length ? 'warn' : 'info');
  setBusy(true);
  el.download.disabled = true;
  delete el.face.dataset.done;
  delete el.face.dataset.steps;
  const t0 = performance.now();
  const id = nextId++;
  const m = await request(
    { type: 'generate', id, prompt: check.text, seed: seed as number, steps: steps as number, cfg },
    (s) => {
      if (s.type !== 'step') return;
      draw(el.face, s.image);
      el.face.dataset.steps = String(s.step);
      el.step.textContent = `step ${s.step} of ${s.steps} · ${s.masked} tokens still masked`;
    },
  );
  setBusy(false);
  if (m.type === 'error') {
    say(el.genMsg, m.message, 'error');
    el.step.textContent = 'no face';
    return;
  }
  if (m.type !== 'generated') return;
  draw(el.face, m.image);
  el.face.dataset.done = String(id);
  // for the benchmark script (bench/page.mjs)
  el.face.dataset.timing = JSON.stringify({
    ms: m.ms,
    stepMs: m.stepMs,
    decodeMs: m.decodeMs,
    peakBytes: m.peakBytes,
  });
  const perStep = m.stepMs.length ? m.stepMs.reduce((a, b) => a + b, 0) / m.stepMs.length : 0; // decoding excluded
  el.step.textContent = `done in ${((performance.now() - t0) / 1000).toFixed(2)} s (${perStep.toFixed(0)} ms per step), seed ${seed}`;
  if (m.truncated)
    say(
      el.genMsg,
      [
        ...check.warnings,
        `The description is ${m.truncated.tokens} tokens; the model reads the first ${m.truncated.read} and ignored the rest.`,
      ].join('\n'),
      'warn',
    );
  lastFace = { image: m.image, seed: seed as number, prompt: check.text };
  el.download.disabled = false;
  el.srcGenerated.disabled = false;
  if (el.srcGenerated.checked || !understandImage || understandSource !== 'upload') useGenerated();
}

function downloadPng(): void {
  if (!lastFace) return;
  const { rgb, width, height } = lastFace.image;
  const png = encodePng(rgb, width, height);
  const url = URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `unif2ace-seed${lastFace.seed}.png`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- Understand ----------------------------------------------------------------------------------------

let understandImage: RgbImage | null = null;
let understandSource: 'generated' | 'sample' | 'upload' = 'sample';
let sampleIndex = 0;

function setUnderstandImage(
  img: RgbImage,
  source: typeof understandSource,
  label: string,
  truth?: string,
): void {
  understandImage = img;
  understandSource = source;
  draw(el.undFace, img);
  el.undSource.textContent = label;
  el.caption.textContent = '';
  el.answers.replaceChildren();
  el.truthBox.hidden = !truth;
  el.truth.textContent = truth ?? '';
  el.undFace.dataset.source = source;
}

function useGenerated(): void {
  if (!lastFace) return;
  el.srcGenerated.checked = true;
  setUnderstandImage(
    lastFace.image,
    'generated',
    `generated from "${lastFace.prompt}" (seed ${lastFace.seed})`,
  );
}

/** A renderer face from the held-out (test) seed range: never seen in training. */
function showSample(): void {
  const size = info?.imageSize ?? 64;
  let seed = 0;
  for (;;) {
    seed = faceSeed(2026, sampleIndex++);
    if (splitOf(seed) === 'test') break;
  }
  const attrs = sampleAttributes(Rng.derive(seed, 'attributes'));
  const img = renderFace(attrs, { size, seed });
  const truth = makeCaption(visibleAttributes(attrs), Rng.derive(seed, 'caption'), {
    phrasing: 'train',
  }).text;
  el.srcSample.checked = true;
  setUnderstandImage(img, 'sample', `a held-out sample face (face seed ${seed})`, truth);
}

async function onUpload(): Promise<void> {
  const file = el.upload.files?.[0];
  el.upload.value = '';
  if (!file) return;
  say(el.undMsg, '');
  if (file.size > MAX_IMAGE_BYTES) {
    say(
      el.undMsg,
      `"${file.name}" is ${(file.size / 2 ** 20).toFixed(1)} MB; the limit is ${MAX_IMAGE_BYTES / 2 ** 20} MB (the model sees faces at 64 × 64 pixels, so use a smaller picture).`,
      'error',
    );
    return;
  }
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const img = faceFromBytes(bytes, `"${file.name}"`, info?.imageSize ?? 64);
    setUnderstandImage(
      img,
      'upload',
      `uploaded: ${file.name} (centre-cropped to ${img.width} × ${img.height})`,
    );
  } catch (e) {
    say(el.undMsg, `${(e as Error).message}. The previous face is kept.`, 'error');
  }
}

async function describe(): Promise<void> {
  if (!info || busy || !understandImage) return;
  setBusy(true);
  el.caption.textContent = '…';
  const m = await request({ type: 'describe', id: nextId++, image: understandImage });
  setBusy(false);
  if (m.type === 'answer') {
    el.caption.textContent = m.text || '(the model said nothing)';
    el.caption.title = `${m.ms.toFixed(0)} ms`;
  } else if (m.type === 'error') {
    el.caption.textContent = '';
    say(el.undMsg, m.message, 'error');
  }
}

async function ask(): Promise<void> {
  if (!info || busy) return;
  const q = el.question.value.replace(/\s+/g, ' ').trim();
  if (!understandImage) {
    say(el.undMsg, 'Pick a face first: the generated one, a sample, or an upload.', 'error');
    return;
  }
  if (!q) {
    say(
      el.undMsg,
      'The question is empty: ask something about the face, e.g. "What colour is her hair?"',
      'error',
    );
    return;
  }
  if (q.length > MAX_QUESTION_CHARS) {
    say(
      el.undMsg,
      `The question is ${q.length} characters long; the limit is ${MAX_QUESTION_CHARS}. Shorten it.`,
      'error',
    );
    return;
  }
  const known = knownWords();
  const unknown = [...new Set(words(q).filter((w) => !known.has(w)))];
  say(
    el.undMsg,
    unknown.length
      ? `Words the model never saw in training: ${unknown.map((w) => `"${w}"`).join(', ')}.`
      : '',
    unknown.length ? 'warn' : 'info',
  );
  setBusy(true);
  const li = document.createElement('li');
  const qs = document.createElement('span');
  qs.className = 'q';
  qs.textContent = `${q} → `;
  const as = document.createElement('b');
  as.className = 'a';
  as.textContent = '…';
  li.append(qs, as);
  el.answers.append(li);
  const m = await request({ type: 'ask', id: nextId++, image: understandImage, question: q });
  setBusy(false);
  if (m.type === 'answer') {
    as.textContent = m.text || '(no answer)';
    li.title = `${m.ms.toFixed(0)} ms`;
    li.dataset.ms = String(m.ms);
    li.dataset.done = '1';
  } else if (m.type === 'error') {
    li.remove();
    say(el.undMsg, m.message, 'error');
  }
}

// ---- wiring --------------------------------------------------------------------------------------------

function wire(): void {
  renderChips(chipGroups());
  el.generate.onclick = () => void generate();
  el.prompt.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void generate();
  });
  el.reseed.onclick = () => {
    el.seed.value = String(Math.floor(Math.random() * 1e6));
  };
  el.download.onclick = downloadPng;
  el.srcGenerated.onchange = useGenerated;
  el.srcSample.onchange = showSample;
  el.anotherSample.onclick = showSample;
  el.upload.onchange = () => void onUpload();
  el.describe.onclick = () => void describe();
  el.askForm.onsubmit = (e) => {
    e.preventDefault();
    void ask();
  };
  el.backend.onchange = () => void startModel(el.backend.value as BackendChoice);
  if (!self.crossOriginIsolated)
    say(
      el.status,
      'This page is not cross-origin isolated, so WebAssembly runs on one thread (serve it with pnpm demo).',
      'warn',
    );
  showSample();
  const wanted = new URLSearchParams(location.search).get('backend');
  if (wanted === 'wasm' || wanted === 'webgpu' || wanted === 'auto') el.backend.value = wanted;
  void startModel(el.backend.value as BackendChoice);
}

wire();
