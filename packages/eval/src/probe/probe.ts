// FaceProbe: the independent attribute judge. A small CNN trained only on renderer images (exact labels),
// one softmax head per taxonomy attribute (+ "hidden" where visibility rules can hide it). Loads the weights
// shipped in the package when given no path.
import type { LoadProgress } from '@unif2ace/common';
import type { AttributeName, AttributeValue } from '@unif2ace/data';
import { loadModule, parseSafetensors, saveModule, tensorsToSafetensors } from '@unif2ace/nn';
import { noGrad, type Tensor, tidy } from '@unif2ace/tensor';
import { imagesToTensor, type RgbImage } from '../images.js';
import {
  architectureHash,
  defaultProbeConfig,
  type FaceProbeConfig,
  type UnreliableAttribute,
  validateProbeConfig,
} from './config.js';
import { decodeRow, type HeadLayout, headLayout } from './heads.js';
import { ProbeNet } from './model.js';
import { addHeadSoftmax, shiftBatch, type View, validateViews } from './views.js';

/** What the probe sees in one face: every attribute's value, or null where it judges it hidden. */
export type ProbePrediction = Record<AttributeName, AttributeValue | null>;

/** Images as a `[B, 3, H, W]` tensor in [-1, 1], or as 8-bit RGB records. */
export type ProbeInput = Tensor | readonly RgbImage[];

/** Loading progress, like transformers.js: initiate -> progress (bytes) -> done (per file) -> ready. */
export type { LoadProgress };

export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
}

/** The folder of the weights shipped in the package (`weights/face-probe/`). */
export const SHIPPED_PROBE = 'face-probe';

async function readSource(base: string | URL, file: string, opts: LoadOptions): Promise<Uint8Array> {
  opts.onProgress?.({ status: 'initiate', file });
  let bytes: Uint8Array;
  const isUrl = base instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(base);
  const url = isUrl ? new URL(file, String(base).endsWith('/') ? base : `${base}/`) : null;
  if (url && url.protocol !== 'file:') {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`FaceProbe.load: ${url} answered ${res.status} ${res.statusText}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } else {
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const path = url ? fileURLToPath(url) : join(base as string, file);
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      throw new Error(`FaceProbe.load: cannot read ${path}: ${(e as Error).message}`);
    }
  }
  opts.onProgress?.({ status: 'progress', file, loaded: bytes.length, total: bytes.length });
  opts.onProgress?.({ status: 'done', file });
  return bytes;
}

/** Where the shipped weights live: beside dist/ in the published package, or beside src/ in the repo. */
async function shippedBase(): Promise<string | URL> {
  const here = new URL('.', import.meta.url);
  if (here.protocol !== 'file:') return new URL(`../weights/${SHIPPED_PROBE}/`, here);
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  for (const up of ['../', '../../']) {
    const u = new URL(`${up}weights/${SHIPPED_PROBE}/`, here);
    if (existsSync(fileURLToPath(new URL('config.json', u)))) return u;
  }
  throw new Error(
    `FaceProbe.load: the shipped weights (weights/${SHIPPED_PROBE}/) are missing from @unif2ace/eval`,
  );
}

export class FaceProbe {
  readonly net: ProbeNet;
  readonly layout: HeadLayout;
  /** Attributes whose held-out accuracy is below the bar: metrics leave them out, by name. */
  readonly unreliable: readonly UnreliableAttribute[];

  constructor(readonly config: FaceProbeConfig) {
    validateProbeConfig(config, 'FaceProbe config');
    this.layout = headLayout();
    this.net = new ProbeNet({ ...config.net, outputs: this.layout.width });
    this.net.eval();
    this.unreliable = config.unreliable;
  }

  /** A freshly initialised probe (train it with `trainProbe`); the architecture defaults to the shipped one. */
  static create(net: Partial<FaceProbeConfig['net']> = {}): FaceProbe {
    return new FaceProbe(defaultProbeConfig(net));
  }

  /**
   * Load `config.json` + `model.safetensors` from a folder path (Node), a URL (browser or Node), or the
   * weights shipped in this package when `source` is omitted.
   */
  static async load(source?: string | URL, opts: LoadOptions = {}): Promise<FaceProbe> {
    const base = source ?? (await shippedBase());
    const cfgBytes = await readSource(base, 'config.json', opts);
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(cfgBytes));
    } catch (e) {
      throw new Error(`FaceProbe.load: ${String(base)}/config.json is not JSON: ${(e as Error).message}`);
    }
    const config = validateProbeConfig(raw, `${String(base)}/config.json`);
    const weights = await readSource(base, 'model.safetensors', opts);
    const probe = new FaceProbe(config);
    probe.loadWeights(weights, `${String(base)}/model.safetensors`);
    opts.onProgress?.({ status: 'ready' });
    return probe;
  }

  /** Load safetensors weights (strict; the file's config hash must match this architecture). */
  loadWeights(bytes: Uint8Array, file = 'model.safetensors'): void {
    const meta = parseSafetensors(bytes, file).metadata ?? {};
    const want = architectureHash(this.config);
    if (meta.architecture && meta.architecture !== want)
      throw new Error(
        `FaceProbe: ${file} was saved for architecture ${meta.architecture}, this config is ${want}`,
      );
    loadModule(this.net, bytes, { file });
  }

  /** The weights as safetensors (f16 halves the size; the probe computes in f32 either way). */
  async saveWeights({ dtype = 'f16' }: { dtype?: 'f16' | 'f32' } = {}): Promise<Uint8Array> {
    const meta = { architecture: architectureHash(this.config), format: 'unif2ace-face-probe' };
    if (dtype === 'f32') return saveModule(this.net, meta);
    const half = new Map([...this.net.stateDict()].map(([k, t]) => [k, t.cast('f16')] as [string, Tensor]));
    try {
      return await tensorsToSafetensors(half, meta);
    } finally {
      for (const t of half.values()) t.dispose();
    }
  }

  /** config.json text (with `extra` merged in, e.g. training results). */
  configJson(extra: Partial<FaceProbeConfig> = {}): string {
    return `${JSON.stringify({ ...this.config, ...extra }, null, 1)}\n`;
  }

  private toTensor(images: ProbeInput): { x: Tensor; owned: boolean } {
    if (Array.isArray(images)) return { x: imagesToTensor(images as RgbImage[]), owned: true };
    const x = images as Tensor;
    if (!x || typeof (x as Tensor).reshape !== 'function')
      throw new TypeError(
        'FaceProbe: images must be a [B, 3, H, W] tensor or an array of { rgb, width, height }',
      );
    return { x: x.dtype === 'f32' ? x : x.cast('f32'), owned: x.dtype !== 'f32' };
  }

  /** Logits [B, layout.width] (all heads side by side). */
  logits(images: ProbeInput): Tensor {
    const { x, owned } = this.toTensor(images);
    try {
      return noGrad(() => tidy(() => this.net.forward(x)));
    } finally {
      if (owned) x.dispose();
    }
  }

  /** Penultimate-layer features [B, F] (for Frechet distance and diversity). */
  features(images: ProbeInput): Tensor {
    const { x, owned } = this.toTensor(images);
    try {
      return noGrad(() => tidy(() => this.net.features(x)));
    } finally {
      if (owned) x.dispose();
    }
  }

  /**
   * Per image, each attribute's most likely value, or null where the probe judges it hidden. With several
   * `views` (default: config.json's `views`, else the image alone) the heads' softmax is averaged over those
   * pixel shifts of each image before the arg-max.
   */
  async predict(images: ProbeInput, opts: { views?: readonly View[] } = {}): Promise<ProbePrediction[]> {
    const views = validateViews(opts.views ?? this.config.views ?? [[0, 0]], 'FaceProbe.predict');
    const n = Array.isArray(images) ? images.length : (images as Tensor).shape[0];
    const out: ProbePrediction[] = [];
    const CHUNK = 64;
    const w = this.layout.width;
    for (let s = 0; s < n; s += CHUNK) {
      const e = Math.min(n, s + CHUNK);
      const part: ProbeInput = Array.isArray(images)
        ? images.slice(s, e)
        : s === 0 && e === n
          ? images
          : (images as Tensor).slice(0, s, e);
      const { x, owned } = this.toTensor(part);
      let row: ArrayLike<number>;
      try {
        if (views.length === 1 && views[0][0] === 0 && views[0][1] === 0) row = await this.readLogits(x);
        else {
          const avg = new Float32Array((e - s) * w);
          for (const v of views) {
            const xv = v[0] === 0 && v[1] === 0 ? x : shiftBatch(x, v);
            try {
              addHeadSoftmax(this.layout, await this.readLogits(xv), avg, 1 / views.length);
            } finally {
              if (xv !== x) xv.dispose();
            }
          }
          row = avg;
        }
      } finally {
        if (owned) x.dispose();
        // a slice of the caller's tensor is ours to free (x is that slice unless a cast made a copy)
        if (part !== images && !Array.isArray(part)) (part as Tensor).dispose();
      }
      for (let b = 0; b < e - s; b++) out.push(decodeRow(this.layout, row, b * w) as ProbePrediction);
    }
    return out;
  }

  private async readLogits(x: Tensor): Promise<ArrayLike<number>> {
    const lg = this.logits(x);
    try {
      return await lg.data();
    } finally {
      lg.dispose();
    }
  }

  dispose(): void {
    for (const p of this.net.stateDict().values()) p.dispose();
  }
}
