// ImageTokenizer: images [B, 3, H, W] in [-1, 1] <-> codes [B, h, w] (i32), an encoder, a quantizer and a
// decoder behind one object that loads from a folder (Node), a URL (browser) or bytes.
import { readAsset } from '@unif2ace/common';
import type { LoadOptions, LoadProgress } from '@unif2ace/eval';
import { loadModule, Module, saveModule } from '@unif2ace/nn';
import { noGrad, type Tensor, tidy } from '@unif2ace/tensor';
import { type CodecConfig, Decoder, downFactor, Encoder, validateCodecConfig } from './codec.js';
import { onlyZq, type QuantizeResult, type Quantizer, type QuantizerConfig } from './quantizer.js';
import { createQuantizer } from './quantizers/index.js';

export interface TokenizerConfig {
  _class: 'ImageTokenizer';
  _version: 1;
  codec: CodecConfig;
  quantizer: QuantizerConfig;
}

const CONFIG_KEYS = ['_class', '_version', 'codec', 'quantizer'];
/** The codec fields that shape the encoder and the codes (a fine-tuning `--init` source must match them). */
export const ENCODER_CODEC_KEYS: (keyof CodecConfig)[] = [
  'imageSize',
  'patchSize',
  'channels',
  'channelMult',
  'resBlocks',
  'groups',
  'latentChannels',
];
const CODEC_KEYS = [...ENCODER_CODEC_KEYS, 'decoderChannels', 'decoderResBlocks'];

/** Checks a parsed config.json; errors name the file and the field. */
export function validateTokenizerConfig(c: unknown, where = 'config.json'): TokenizerConfig {
  if (!c || typeof c !== 'object') throw new TypeError(`${where}: expected a JSON object`);
  const o = c as Record<string, unknown>;
  const unknownKey = (keys: string[], obj: Record<string, unknown>, at: string) => {
    for (const k of Object.keys(obj))
      if (!keys.includes(k))
        throw new RangeError(`${where}: unknown key '${at}${k}'; valid: ${keys.join(', ')}`);
  };
  unknownKey(CONFIG_KEYS, o, '');
  if (o._class !== 'ImageTokenizer')
    throw new RangeError(`${where}: _class must be 'ImageTokenizer', got ${JSON.stringify(o._class)}`);
  if (o._version !== 1)
    throw new RangeError(
      `${where}: unsupported _version ${JSON.stringify(o._version)} (this library reads 1)`,
    );
  if (!o.codec || typeof o.codec !== 'object') throw new TypeError(`${where}: codec must be an object`);
  unknownKey(CODEC_KEYS, o.codec as Record<string, unknown>, 'codec.');
  validateCodecConfig(o.codec as CodecConfig, `${where}: codec`);
  return o as unknown as TokenizerConfig;
}

// One loading-progress contract (transformers.js-style) for every loader of shipped weights: eval's.
export type { LoadOptions, LoadProgress };

/** The weights shipped with the package (trained on synthetic faces, 64 px; see weights/README.md). */
export const SHIPPED_WEIGHTS = new URL('../weights/', import.meta.url);
/**
 * The finer shipped tokenizer: 64 px → 32 × 32 codes (factor 2), trained from random weights in under an hour;
 * 4× the codes per face of the default, for reconstruction fidelity rather than a transformer's sequence length
 * (see weights/32x32/README.md). `ImageTokenizer.load(SHIPPED_WEIGHTS_32X32)`.
 */
export const SHIPPED_WEIGHTS_32X32 = new URL('../weights/32x32/', import.meta.url);

export class ImageTokenizer extends Module {
  encoder: Encoder;
  quantizer: Quantizer;
  decoder: Decoder;
  readonly config: TokenizerConfig;

  constructor(config: TokenizerConfig) {
    super();
    this.config = validateTokenizerConfig(structuredClone(config), 'ImageTokenizer config');
    // The quantizer first: a bad quantizer config then fails before any weights exist.
    const quantizer = createQuantizer(config.quantizer);
    if (quantizer.dim !== config.codec.latentChannels) {
      quantizer.dispose();
      throw new RangeError(
        `ImageTokenizer: the quantizer works on ${quantizer.dim} channels, codec.latentChannels is ${config.codec.latentChannels}`,
      );
    }
    this.quantizer = quantizer;
    this.encoder = new Encoder(config.codec);
    this.decoder = new Decoder(config.codec);
  }

  static create(codec: CodecConfig, quantizer: QuantizerConfig): ImageTokenizer {
    return new ImageTokenizer({ _class: 'ImageTokenizer', _version: 1, codec, quantizer });
  }

  get codebookSize(): number {
    return this.quantizer.codebookSize;
  }
  /** Codes per side: [h, w]. */
  get gridSize(): [number, number] {
    const s = this.config.codec.imageSize / downFactor(this.config.codec);
    return [s, s];
  }
  get imageSize(): number {
    return this.config.codec.imageSize;
  }

  /** Training pass: encode, quantize, decode; the reconstruction is not clamped. */
  reconstruct(images: Tensor): QuantizeResult & { recon: Tensor } {
    this.checkImages(images);
    const r = this.quantizer.quantize(this.encoder.forward(images));
    return { ...r, recon: this.decoder.forward(r.zq) };
  }

  /** Module forward: the (unclamped) reconstruction alone. */
  forward(images: Tensor): Tensor {
    const { recon, ...rest } = this.reconstruct(images);
    return tidy(() => {
      onlyZq(rest).dispose();
      return recon;
    });
  }

  /** Images [B, 3, H, W] in [-1, 1] -> codes i32 [B, h, w]. */
  encode(images: Tensor): Tensor {
    this.checkImages(images);
    return noGrad(() =>
      tidy(() => {
        const r = this.quantizer.quantize(this.encoder.forward(images));
        return r.codes;
      }),
    );
  }

  /** Codes i32 [B, h, w] -> images [B, 3, H, W] clamped to [-1, 1]. */
  decode(codes: Tensor): Tensor {
    const [h, w] = this.gridSize;
    if (codes.rank !== 3 || codes.shape[1] !== h || codes.shape[2] !== w)
      throw new RangeError(
        `ImageTokenizer.decode: expected codes [B, ${h}, ${w}], got [${codes.shape.join(', ')}]`,
      );
    return noGrad(() => tidy(() => this.decoder.forward(this.quantizer.codesToLatents(codes)).clamp(-1, 1)));
  }

  private checkImages(images: Tensor): void {
    const s = this.imageSize;
    if (images.rank !== 4 || images.shape[1] !== 3 || images.shape[2] !== s || images.shape[3] !== s)
      throw new RangeError(
        `ImageTokenizer.encode: expected images [B, 3, ${s}, ${s}] in [-1, 1], got [${images.shape.join(', ')}]`,
      );
    if (images.dtype !== 'f32')
      throw new TypeError(`ImageTokenizer.encode: images must be f32, got ${images.dtype}`);
  }

  /** Frees the weights and the quantizer's constant tables. */
  override dispose(): void {
    super.dispose();
    this.quantizer.disposeConstants?.();
  }

  /** Build from a config object and model.safetensors bytes (the browser path). */
  static fromBytes(config: TokenizerConfig | unknown, weights: Uint8Array): ImageTokenizer {
    const tok = new ImageTokenizer(validateTokenizerConfig(config, 'ImageTokenizer.fromBytes config'));
    loadModule(tok, weights, { file: 'model.safetensors' });
    tok.eval();
    return tok;
  }

  /**
   * Load from a folder path (Node) or URL holding config.json and model.safetensors; no argument: the
   * shipped face tokenizer.
   */
  static async load(path?: string | URL, opts: LoadOptions = {}): Promise<ImageTokenizer> {
    const base = path ?? SHIPPED_WEIGHTS;
    const from = { onProgress: opts.onProgress, who: 'ImageTokenizer.load' };
    const config = JSON.parse(new TextDecoder().decode(await readAsset(base, 'config.json', from)));
    const weights = await readAsset(base, 'model.safetensors', from);
    const tok = ImageTokenizer.fromBytes(
      validateTokenizerConfig(config, `${String(base)}/config.json`),
      weights,
    );
    opts.onProgress?.({ status: 'ready' });
    return tok;
  }

  /** config.json and model.safetensors bytes. */
  async toFiles(metadata: Record<string, string> = {}): Promise<Record<string, Uint8Array>> {
    const config = JSON.stringify(this.config, null, 2);
    return {
      'config.json': new TextEncoder().encode(`${config}\n`),
      'model.safetensors': await saveModule(this, {
        format: 'pt',
        config: config.replace(/\s+/g, ''),
        ...metadata,
      }),
    };
  }

  /** Node: write config.json and model.safetensors (each atomically) into dir. */
  async save(dir: string, metadata: Record<string, string> = {}): Promise<void> {
    const files = await this.toFiles(metadata);
    const { mkdir } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { writeFileAtomic } = await import('@unif2ace/nn/node');
    await mkdir(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileAtomic(join(dir, name), bytes);
  }
}
