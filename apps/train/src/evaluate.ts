// `unif2ace-train evaluate`: a model folder judged on held-out (test-split) faces with @unif2ace/eval —
// VQA exact match per attribute group on training-style and held-out phrasings, caption attribute
// precision / recall, probe-judged attribute accuracy of generated faces for training-style and held-out
// prompts, and the Fréchet distance of their probe features to renderer faces next to the image
// tokenizer's own floor (its reconstructions of held-out faces against the same reference).
import {
  attributeCell,
  evaluateCaptions,
  evaluateGeneration,
  evaluateVqa,
  FaceProbe,
  frechetFromFeatures,
  generationAccuracy,
  gridPng,
  heldOutFaces,
  markdownTable,
  type RgbImage,
  type VqaScores,
} from '@unif2ace/eval';
import type { UniF2ace } from '@unif2ace/model';

export interface EvaluateOptions {
  /** Held-out faces for VQA (8 questions each, per phrasing). */
  vqaFaces?: number;
  captionFaces?: number;
  /** Prompts per phrasing for generation. */
  generationFaces?: number;
  steps?: number;
  cfg?: number;
  /** Reference renderer faces for the Fréchet distances. */
  reference?: number;
  /** Which half to run (two processes can share the work): default 'all'. */
  parts?: 'all' | 'understanding' | 'generation';
  onProgress?: (s: string) => void;
}

export interface EvaluationReport {
  vqa?: { train: VqaScores & { faces: number }; heldout: VqaScores & { faces: number } };
  captions?: { precision: number; recall: number; faces: number; conflicts: number; examples: string[] };
  generation?: {
    train: {
      accuracy: number;
      allCorrect: number;
      byGroup: Record<string, number>;
      frechet: number;
      prompts: number;
    };
    heldout: {
      accuracy: number;
      allCorrect: number;
      byGroup: Record<string, number>;
      frechet: number;
      prompts: number;
    };
    excluded: string[];
    /** The same score for random real held-out faces in place of the generated ones (chance level). */
    baseline: number;
    steps: number;
    cfg: number;
  };
  /** Fréchet distance of the image tokenizer's reconstructions (and of real held-out faces) to the reference. */
  floor?: { tokenizer: number; real: number; faces: number; reference: number };
  seconds: Record<string, number>;
  grid?: Uint8Array;
}

/** The probe reads 64 px faces: smaller ones (tiny configs) are scaled up by an integer factor (nearest). */
export function toProbeSize(img: RgbImage, size = 64): RgbImage {
  if (img.width === size && img.height === size) return img;
  const f = size / img.width;
  if (!Number.isInteger(f) || img.height * f !== size)
    throw new RangeError(
      `evaluate: a ${img.width}x${img.height} image cannot be scaled to the probe's ${size} px`,
    );
  const rgb = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const s = (Math.floor(y / f) * img.width + Math.floor(x / f)) * 3;
      rgb.set(img.rgb.subarray(s, s + 3), (y * size + x) * 3);
    }
  return { rgb, width: size, height: size };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '—');

export async function evaluateModel(model: UniF2ace, opts: EvaluateOptions = {}): Promise<EvaluationReport> {
  const say = opts.onProgress ?? (() => {});
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    say(`${name}...`);
    const r = await fn();
    seconds[name] = Number(((performance.now() - t0) / 1000).toFixed(1));
    say(`${name}: ${seconds[name]} s`);
    return r;
  };
  const size = model.imageTokenizer.imageSize;
  const out: EvaluationReport = { seconds };
  const parts = opts.parts ?? 'all';
  if (parts !== 'generation') {
    const answer = (img: RgbImage, q: string) => model.answer(img, q, { temperature: 0 });
    const vqaN = opts.vqaFaces ?? 50;
    const vqaTrain = await timed('vqa (training phrasing)', () =>
      evaluateVqa(answer, { count: vqaN, size, phrasing: 'train' }),
    );
    const vqaHeld = await timed('vqa (held-out phrasing)', () =>
      evaluateVqa(answer, { count: vqaN, size, phrasing: 'heldout' }),
    );
    const caps = await timed('captions', () =>
      evaluateCaptions((img) => model.describe(img, { temperature: 0 }), {
        count: opts.captionFaces ?? 20,
        size,
      }),
    );
    out.vqa = { train: vqaTrain, heldout: vqaHeld };
    out.captions = {
      precision: caps.precision,
      recall: caps.recall,
      faces: caps.faces,
      conflicts: caps.conflicts,
      examples: caps.examples.map((e) => e.caption),
    };
  }
  if (parts !== 'understanding') {
    const probe = await FaceProbe.load();
    const steps = opts.steps ?? 18;
    const cfg = opts.cfg ?? 3;
    const genN = opts.generationFaces ?? 24;
    const reference = opts.reference ?? 200;
    const gen = async (prompt: string, seed: number) =>
      toProbeSize((await model.generate(prompt, { seed, steps, cfg })).image);
    const gTrain = await timed('generation (training phrasing)', () =>
      evaluateGeneration(gen, probe, { count: genN, size, phrasing: 'train', reference }),
    );
    const gHeld = await timed('generation (held-out phrasing)', () =>
      evaluateGeneration(gen, probe, { count: genN, size, phrasing: 'heldout', reference }),
    );

    // the floor: what the image tokenizer itself loses (same faces, same reference as evaluateGeneration)
    const floor = await timed('tokenizer floor', async () => {
      const faces = heldOutFaces(genN, { size });
      const recon = await model.decodeCodes(await model.encodeImages(faces.map((f) => f.image)));
      const ref = heldOutFaces(reference, { seed: 7, size: 64 });
      const feats = async (imgs: RgbImage[]) => {
        const t = probe.features(imgs.map((i) => toProbeSize(i)));
        const data = await t.data();
        const d = t.shape[1];
        t.dispose();
        return { data, n: imgs.length, d };
      };
      const r = await feats(ref.map((f) => f.image));
      return {
        tokenizer: frechetFromFeatures(await feats(recon), r),
        real: frechetFromFeatures(await feats(faces.map((f) => f.image)), r),
        faces: genN,
        reference,
      };
    });
    const exclude = probe.unreliable.map((u) => u.name);
    // what the prompts' attributes score on random real faces (no conditioning at all): the bar to beat
    const others = heldOutFaces(genN, { seed: 11, size: 64 });
    const seenOthers = await probe.predict(others.map((f) => f.image));
    const baseline = generationAccuracy(
      gTrain.images.map((i) => i.stated),
      seenOthers,
      { exclude },
    ).overall.accuracy;
    const cells = gTrain.generated.slice(0, 8).map((img, i) =>
      attributeCell(img, gTrain.images[i].prompt, gTrain.images[i].stated, gTrain.images[i].seen, {
        exclude,
      }),
    );
    probe.dispose();
    const genSummary = (g: typeof gTrain) => ({
      accuracy: g.accuracy.overall.accuracy,
      allCorrect: g.accuracy.allCorrect.accuracy,
      byGroup: Object.fromEntries(Object.entries(g.accuracy.byGroup).map(([k, v]) => [k, v.accuracy])),
      frechet: g.frechet,
      prompts: g.prompts,
    });
    out.generation = {
      train: genSummary(gTrain),
      heldout: genSummary(gHeld),
      excluded: exclude,
      steps,
      cfg,
      baseline,
    };
    out.floor = floor;
    if (cells.length) out.grid = gridPng(cells, { columns: 4, scale: 2, maxLines: 8 });
  }
  return out;
}

/** The report as Markdown: VQA per group (both phrasings), captions, generation per group, Fréchet. */
export function reportMarkdown(r: EvaluationReport): string {
  const time = `Time per part (s): ${Object.entries(r.seconds)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}.`;
  return [understandingMarkdown(r), generationMarkdown(r), time, ''].filter((x) => x !== null).join('\n');
}

function understandingMarkdown(r: EvaluationReport): string | null {
  if (!r.vqa || !r.captions) return null;
  const { train, heldout } = r.vqa;
  const groups = [...new Set([...Object.keys(train.byGroup), ...Object.keys(heldout.byGroup)])].sort();
  const rows = groups.map((g) => [
    g,
    pct(train.byGroup[g]?.accuracy ?? Number.NaN),
    String(train.byGroup[g]?.total ?? 0),
    pct(heldout.byGroup[g]?.accuracy ?? Number.NaN),
    String(heldout.byGroup[g]?.total ?? 0),
  ]);
  rows.push([
    '**overall**',
    pct(train.overall.accuracy),
    String(train.overall.total),
    pct(heldout.overall.accuracy),
    String(heldout.overall.total),
  ]);
  return [
    `### VQA exact match on ${train.faces} held-out faces (target: >= 95 % overall, >= 90 % per group)`,
    '',
    markdownTable(['group', 'training phrasing', 'n', 'held-out phrasing', 'n'], rows),
    '',
    `### Captions of ${r.captions.faces} held-out faces (targets: precision >= 95 %, recall >= 70 %)`,
    '',
    `precision ${pct(r.captions.precision)}, recall ${pct(r.captions.recall)}, self-contradicting captions ${r.captions.conflicts}`,
    '',
  ].join('\n');
}

function generationMarkdown(r: EvaluationReport): string | null {
  const g = r.generation;
  const f = r.floor;
  if (!g || !f) return null;
  const groups = [...new Set([...Object.keys(g.train.byGroup), ...Object.keys(g.heldout.byGroup)])].sort();
  const rows = groups.map((k) => [
    k,
    pct(g.train.byGroup[k] ?? Number.NaN),
    pct(g.heldout.byGroup[k] ?? Number.NaN),
  ]);
  rows.push(['**overall**', pct(g.train.accuracy), pct(g.heldout.accuracy)]);
  rows.push(['all stated attributes right', pct(g.train.allCorrect), pct(g.heldout.allCorrect)]);
  rows.push(['chance: random real faces instead', pct(g.baseline), '']);
  return [
    `### Generation: probe-judged attribute accuracy (${g.train.prompts} prompts per phrasing, ${g.steps} steps, cfg ${g.cfg}; target >= 90 %)`,
    '',
    markdownTable(['group', 'training-style prompts', 'held-out phrasings'], rows),
    '',
    `Attributes the probe cannot judge (left out): ${g.excluded.join(', ')}.`,
    '',
    `### Fréchet distance on probe features (reference: ${f.reference} held-out renders)`,
    '',
    markdownTable(
      ['images', 'Fréchet distance'],
      [
        ['generated, training-style prompts', g.train.frechet.toFixed(2)],
        ['generated, held-out phrasings', g.heldout.frechet.toFixed(2)],
        [`image tokenizer reconstructions of ${f.faces} held-out faces (floor)`, f.tokenizer.toFixed(2)],
        [`the ${f.faces} real held-out faces (sampling floor at this count)`, f.real.toFixed(2)],
      ],
    ),
    '',
  ].join('\n');
}
