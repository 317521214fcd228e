// Face detection, landmarks and attribute cues (age, gender, expression) for unlabelled photos, from the
// models that ship inside the `@vladmandic/face-api` npm package, run on TensorFlow.js's WASM backend
// (no native binary, no download). Node only; the three packages are optional peer dependencies.
import type { VisibleAttributes } from '../taxonomy/index.js';
import { ATTRIBUTE_NAMES } from '../taxonomy/index.js';
import type { RgbImage } from './image.js';

export interface FaceCue {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** Eye centres as seen by the viewer: left has the smaller x. */
  leftEye: [number, number];
  rightEye: [number, number];
  age: number;
  gender: 'male' | 'female';
  genderProbability: number;
  /** Probabilities of neutral, happy, sad, angry, fearful, disgusted, surprised. */
  expressions: Record<string, number>;
}

export interface FaceAnnotatorOptions {
  /** TensorFlow.js backend: 'wasm' (default, SIMD) or 'cpu' (plain JS, slower). */
  backend?: 'wasm' | 'cpu';
  /** Minimum detection score (default 0.5). */
  minConfidence?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: face-api and tfjs are loaded at run time, untyped here.
type Any = any;

const PEERS = '@vladmandic/face-api, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm';

export class FaceAnnotator {
  private constructor(
    private readonly tf: Any,
    private readonly faceapi: Any,
    private readonly minConfidence: number,
  ) {}

  static async load(opts: FaceAnnotatorOptions = {}): Promise<FaceAnnotator> {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    let tf: Any;
    let wasm: Any;
    let faceapi: Any;
    try {
      tf = require('@tensorflow/tfjs');
      wasm = require('@tensorflow/tfjs-backend-wasm');
      faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    } catch (e) {
      throw new Error(`unlabelled ingest needs ${PEERS} installed: ${(e as Error).message.split('\n')[0]}`);
    }
    const backend = opts.backend ?? 'wasm';
    if (backend === 'wasm') {
      const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
      wasm.setWasmPaths(wasmFile.slice(0, wasmFile.lastIndexOf('/') + 1));
    }
    if (!(await tf.setBackend(backend)))
      throw new Error(`TensorFlow.js backend "${backend}" failed to start`);
    await tf.ready();
    const modelDir = require.resolve('@vladmandic/face-api/package.json').replace(/package\.json$/, 'model');
    const nets = faceapi.nets;
    for (const net of [
      nets.ssdMobilenetv1,
      nets.faceLandmark68Net,
      nets.ageGenderNet,
      nets.faceExpressionNet,
    ]) {
      if (!net.isLoaded) await net.loadFromDisk(modelDir);
    }
    return new FaceAnnotator(tf, faceapi, opts.minConfidence ?? 0.5);
  }

  /** Faces found in `img`, largest first. */
  async detect(img: RgbImage): Promise<FaceCue[]> {
    const { tf, faceapi } = this;
    const input = tf.tensor3d(img.rgb, [img.height, img.width, 3], 'int32');
    try {
      const found: Any[] = await faceapi
        .detectAllFaces(input, new faceapi.SsdMobilenetv1Options({ minConfidence: this.minConfidence }))
        .withFaceLandmarks()
        .withFaceExpressions()
        .withAgeAndGender();
      const cues = found.map((r): FaceCue => {
        const mean = (pts: { x: number; y: number }[]): [number, number] => [
          pts.reduce((s, p) => s + p.x, 0) / pts.length,
          pts.reduce((s, p) => s + p.y, 0) / pts.length,
        ];
        const a = mean(r.landmarks.getLeftEye());
        const b = mean(r.landmarks.getRightEye());
        const [leftEye, rightEye] = a[0] <= b[0] ? [a, b] : [b, a];
        const box = r.detection.box;
        return {
          box: { x: box.x, y: box.y, width: box.width, height: box.height },
          score: r.detection.score,
          leftEye,
          rightEye,
          age: r.age,
          gender: r.gender,
          genderProbability: r.genderProbability,
          expressions: { ...r.expressions },
        };
      });
      return cues.sort((p, q) => q.box.width * q.box.height - p.box.width * p.box.height);
    } finally {
      input.dispose();
    }
  }
}

const EXPRESSIONS: Record<string, VisibleAttributes['expression']> = {
  neutral: 'neutral',
  happy: 'smiling',
  sad: 'sad',
  angry: 'angry',
  surprised: 'surprised',
};

/**
 * Taxonomy attributes from model cues: age band, gender presentation (probability >= 0.8) and
 * expression (top class >= 0.6); everything else unknown (null).
 */
export function cuesToAttributes(c: FaceCue): VisibleAttributes {
  const attrs = Object.fromEntries(ATTRIBUTE_NAMES.map((n) => [n, null])) as unknown as VisibleAttributes;
  attrs.age = c.age < 30 ? 'young' : c.age < 55 ? 'middle-aged' : 'old';
  if (c.genderProbability >= 0.8) attrs.gender = c.gender === 'female' ? 'feminine' : 'masculine';
  const [top, p] = Object.entries(c.expressions).sort((x, y) => y[1] - x[1])[0] ?? ['', 0];
  if (p >= 0.6) attrs.expression = EXPRESSIONS[top] ?? null;
  return attrs;
}
