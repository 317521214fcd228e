// `unif2ace-vq evaluate`: a tokenizer on held-out synthetic faces (the test split, as the trainer and the
// probe hold it out): PSNR, codebook usage and perplexity, and the eval probe's per-group attribute accuracy
// on the reconstructions relative to the originals (the tokenizer must keep what the probe can see).
import {
  FaceProbe,
  heldOutFaces,
  imagesToTensor,
  probeAccuracy,
  type RgbImage,
  tensorToImages,
} from '@unif2ace/eval';
import { type BackendName, init } from '@unif2ace/tensor';
import { evaluateReconstruction, type ReconstructionMetrics } from '../metrics.js';
import { ImageTokenizer } from '../tokenizer.js';

export interface GroupRatio {
  group: string;
  /** Mean over the group's attributes of the probe's accuracy (all faces, hidden counted as a class). */
  original: number;
  reconstructed: number;
  ratio: number;
  /**
   * The same over the group's attributes that the probe judges (not in its `unreliable` list); null where it
   * judges none of them (the probe's errors on originals are largest there, so their ratios are the noisiest).
   */
  judged: { original: number; reconstructed: number; ratio: number } | null;
}

export interface AttributeRatio {
  name: string;
  group: string;
  /** The probe's accuracy on the originals and on the reconstructions (all faces, hidden counted as a class). */
  original: number;
  reconstructed: number;
  ratio: number;
  /** False where the probe lists the attribute as unreliable (excluded from generation metrics). */
  judged: boolean;
}

export interface TokenizerEvaluation extends ReconstructionMetrics {
  probe:
    | { groups: GroupRatio[]; minRatio: number; attributes: AttributeRatio[]; minJudgedRatio: number | null }
    | { unavailable: string };
  seconds: number;
}

export async function evaluateTokenizer(opts: {
  tokenizer?: string;
  /** A FaceProbe folder; undefined: the one shipped with @unif2ace/eval; null: skip the probe. */
  probe?: string | null;
  count?: number;
  /** Base seed of the held-out faces (default 0; another seed gives another set of faces). */
  seed?: number;
  backend?: BackendName | 'auto';
  threads?: number;
}): Promise<TokenizerEvaluation> {
  const t0 = performance.now();
  await init({ backend: opts.backend ?? 'auto', wasm: opts.threads ? { threads: opts.threads } : undefined });
  const tok = await ImageTokenizer.load(opts.tokenizer);
  const count = opts.count ?? 256;
  const faces = heldOutFaces(count, { size: tok.imageSize, seed: opts.seed ?? 0 });
  const images = faces.map((f) => f.image);
  const recon: RgbImage[] = [];
  const metrics = await evaluateReconstruction(tok, count, (s, e) => imagesToTensor(images.slice(s, e)), {
    batch: 32,
    onBatch: async (_, r) => {
      recon.push(...(await tensorToImages(r)));
    },
  });
  tok.dispose();
  let probe: TokenizerEvaluation['probe'];
  if (opts.probe === null) probe = { unavailable: 'skipped (--probe none)' };
  else {
    let fp: FaceProbe | null = null;
    try {
      fp = await FaceProbe.load(opts.probe);
    } catch (e) {
      probe = { unavailable: (e as Error).message };
    }
    if (fp) {
      const records = faces.map((f) => f.record);
      const a = probeAccuracy(await fp.predict(images), records);
      const b = probeAccuracy(await fp.predict(recon), records);
      const unreliable = new Set(fp.unreliable.map((u) => u.name));
      fp.dispose();
      const attributes: AttributeRatio[] = a.attributes.map((x, i) => ({
        name: x.name,
        group: x.group,
        original: x.accuracy,
        reconstructed: b.attributes[i].accuracy,
        ratio: b.attributes[i].accuracy / x.accuracy,
        judged: !unreliable.has(x.name),
      }));
      const mean = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
      const summarise = (xs: AttributeRatio[]) => {
        const original = mean(xs.map((x) => x.original));
        const reconstructed = mean(xs.map((x) => x.reconstructed));
        return { original, reconstructed, ratio: reconstructed / original };
      };
      const groupNames = [...new Set(attributes.map((x) => x.group))];
      const rows: GroupRatio[] = groupNames.map((group) => {
        const xs = attributes.filter((x) => x.group === group);
        const judged = xs.filter((x) => x.judged);
        return { group, ...summarise(xs), judged: judged.length ? summarise(judged) : null };
      });
      const judgedRatios = rows.flatMap((r) => (r.judged ? [r.judged.ratio] : []));
      probe = {
        groups: rows,
        minRatio: Math.min(...rows.map((r) => r.ratio)),
        attributes,
        minJudgedRatio: judgedRatios.length ? Math.min(...judgedRatios) : null,
      };
    }
  }
  return { ...metrics, probe: probe!, seconds: (performance.now() - t0) / 1000 };
}
