// Messages between the page and its model worker. The model runs in a dedicated worker so the page stays
// responsive (the WASM backend's main thread would otherwise spin while its threads work) and each step of
// generation can be drawn as it comes.
import type { RgbImage } from '@unif2ace/data';

export type BackendChoice = 'auto' | 'wasm' | 'webgpu';

export type ToWorker =
  | { type: 'load'; backend: BackendChoice; modelUrl: string }
  | { type: 'generate'; id: number; prompt: string; seed: number; steps: number; cfg: number }
  | { type: 'describe'; id: number; image: RgbImage }
  | { type: 'ask'; id: number; image: RgbImage; question: string };

export interface LoadProgressMessage {
  status: 'initiate' | 'progress' | 'done' | 'ready';
  file?: string;
  loaded?: number;
  total?: number;
}

export interface ModelInfo {
  /** The backend the model runs on, and why it was picked (tensor's init reason). */
  backend: string;
  reason: string;
  threads: number;
  /** Image side in pixels, the code grid and text length, from the model's config. */
  imageSize: number;
  grid: [number, number];
  textLength: number;
  parameters: number;
  loadMs: number;
  /** Tensor memory (WASM heap or GPU buffers) the backend holds once the model is loaded. */
  tensorBytes: number;
}

export type FromWorker =
  | { type: 'progress'; e: LoadProgressMessage }
  | { type: 'ready'; info: ModelInfo }
  | { type: 'load-error'; message: string }
  | { type: 'step'; id: number; step: number; steps: number; image: RgbImage; masked: number; ms: number }
  | {
      type: 'generated';
      id: number;
      image: RgbImage;
      ms: number;
      /** Wall time of each step, partial-picture decoding excluded. */
      stepMs: number[];
      /** Time spent decoding the partial pictures. */
      decodeMs: number;
      /** The most tensor memory (WASM heap or GPU buffers) the backend held at any step. */
      peakBytes: number;
      /** Set when the prompt had more tokens than the model reads (the rest was ignored). */
      truncated?: { tokens: number; read: number };
    }
  | { type: 'answer'; id: number; text: string; ms: number }
  | { type: 'error'; id: number; message: string };
