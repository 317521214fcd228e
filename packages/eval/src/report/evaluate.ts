// One `evaluate…` entry point per task, each returning plain JSON. The model under test comes in as a
// callback (answer a question, describe a face, generate a face), so these work for any model package.
import { makeCaption, makeQuestions, Rng, type VisibleAttributes } from '@unif2ace/data';
import type { RgbImage } from '../images.js';
import { type CaptionScores, captionScores } from '../metrics/captions.js';
import { frechetFromFeatures, meanPairwiseDistance } from '../metrics/frechet.js';
import { type GenerationScores, generationAccuracy } from '../metrics/generation.js';
import { type VqaScores, vqaAccuracy } from '../metrics/vqa.js';
import { judgedAccuracy, type ProbeAccuracy, probeAccuracy } from '../probe/accuracy.js';
import { heldOutFaces, type LabelledFace } from '../probe/faces.js';
import type { FaceProbe } from '../probe/probe.js';
import type { Corruption } from './corrupt.js';

export interface HeldOutOptions {
  /** Held-out (test-split) faces to use (default 200), from base seed `seed` (default 0), at `size` px. */
  count?: number;
  seed?: number;
  size?: number;
  /** Or the faces themselves. */
  faces?: LabelledFace[];
  /** Caption / question phrasing: 'heldout' (never seen in training, default) or 'train'. */
  phrasing?: 'train' | 'heldout';
}

const facesOf = (o: HeldOutOptions) =>
  o.faces ?? heldOutFaces(o.count ?? 200, { seed: o.seed ?? 0, size: o.size ?? 64 });

/** The probe's own per-attribute accuracy on held-out faces. */
export async function evaluateProbe(
  probe: FaceProbe,
  opts: HeldOutOptions = {},
): Promise<
  ProbeAccuracy & { faces: number; unreliable: { name: string; accuracy: number }[]; overallJudged: number }
> {
  const faces = facesOf(opts);
  const acc = probeAccuracy(
    await probe.predict(faces.map((f) => f.image)),
    faces.map((f) => f.record),
    probe.layout,
  );
  return {
    ...acc,
    faces: faces.length,
    unreliable: [...probe.unreliable],
    overallJudged: judgedAccuracy(acc, probe.unreliable),
  };
}

export interface RobustnessRow {
  corruption: string;
  overall: number;
  /** Accuracy over the attributes the probe judges (not in probe.unreliable), and its drop in points. */
  judged: number;
  judgedDrop: number;
  /** Points lost against the clean images (100 × accuracy difference). */
  drop: number;
  /** The attribute that lost most, and how many points. */
  worst: { name: string; drop: number };
  /** The same over the judged attributes only (name '' when the probe judges none). */
  worstJudged: { name: string; drop: number };
  /** Every attribute's drop in points, by name (taxonomy order). */
  drops: Record<string, number>;
}

/** Accuracy on clean held-out faces and under each corruption (e.g. standardCorruptions()). */
export async function evaluateRobustness(
  probe: FaceProbe,
  corruptions: Record<string, Corruption>,
  opts: HeldOutOptions = {},
): Promise<{ faces: number; clean: number; cleanJudged: number; rows: RobustnessRow[] }> {
  const faces = facesOf(opts);
  const records = faces.map((f) => f.record);
  const clean = probeAccuracy(await probe.predict(faces.map((f) => f.image)), records, probe.layout);
  const excluded = new Set(probe.unreliable.map((u) => u.name));
  const judged = (acc: ProbeAccuracy) => judgedAccuracy(acc, probe.unreliable);
  const cleanJudged = judged(clean);
  const rows: RobustnessRow[] = [];
  for (const [name, fn] of Object.entries(corruptions)) {
    const acc = probeAccuracy(await probe.predict(faces.map((f) => fn(f.image))), records, probe.layout);
    let worst = { name: '', drop: Number.NEGATIVE_INFINITY };
    let worstJudged = { name: '', drop: Number.NEGATIVE_INFINITY };
    const drops: Record<string, number> = {};
    acc.attributes.forEach((a, i) => {
      const d = 100 * (clean.attributes[i].accuracy - a.accuracy);
      drops[a.name] = d;
      if (d > worst.drop) worst = { name: a.name, drop: d };
      if (!excluded.has(a.name) && d > worstJudged.drop) worstJudged = { name: a.name, drop: d };
    });
    if (!worstJudged.name) worstJudged = { name: '', drop: 0 };
    const j = judged(acc);
    rows.push({
      corruption: name,
      overall: acc.overall,
      judged: j,
      judgedDrop: 100 * (cleanJudged - j),
      drop: 100 * (clean.overall - acc.overall),
      worst,
      worstJudged,
      drops,
    });
  }
  return { faces: faces.length, clean: clean.overall, cleanJudged, rows };
}

/** VQA: `answer(image, question)` for ~8 questions per held-out face, scored by exact match. */
export async function evaluateVqa(
  answer: (image: RgbImage, question: string) => Promise<string> | string,
  opts: HeldOutOptions & { questionsPerFace?: number } = {},
): Promise<VqaScores & { faces: number; examples: { q: string; a: string; prediction: string }[] }> {
  const faces = facesOf(opts);
  const items = [];
  for (const f of faces) {
    const qs = makeQuestions(f.record, Rng.derive(f.seed, 'questions'), {
      phrasing: opts.phrasing ?? 'heldout',
      count: opts.questionsPerFace ?? 8,
    });
    for (const q of qs) items.push({ ...q, answer: q.a, prediction: await answer(f.image, q.q) });
  }
  return {
    ...vqaAccuracy(items),
    faces: faces.length,
    examples: items.slice(0, 16).map((i) => ({ q: i.q, a: i.a, prediction: i.prediction })),
  };
}

/** Captioning: `describe(image)` per held-out face, scored by attribute precision / recall. */
export async function evaluateCaptions(
  describe: (image: RgbImage) => Promise<string> | string,
  opts: HeldOutOptions = {},
): Promise<CaptionScores & { faces: number; examples: { caption: string }[] }> {
  const faces = facesOf(opts);
  const captions: string[] = [];
  for (const f of faces) captions.push(await describe(f.image));
  return {
    ...captionScores(
      captions,
      faces.map((f) => f.record),
    ),
    faces: faces.length,
    examples: captions.slice(0, 8).map((caption) => ({ caption })),
  };
}

export interface GenerationReport {
  accuracy: GenerationScores;
  /** Frechet distance of the generated faces' probe features to held-out renderer faces'. */
  frechet: number;
  /** Mean pairwise feature distance between seeds of one prompt, averaged over prompts (when seeds > 1). */
  diversity: number | null;
  /** The same for renderer faces of the reference set (a scale for the two numbers above). */
  referenceDiversity: number;
  prompts: number;
  seeds: number;
  images: { prompt: string; stated: Partial<VisibleAttributes>; seen: Record<string, unknown> }[];
}

/**
 * Text-to-face: prompts are held-out captions of held-out faces; `generate(prompt, seed)` returns a face.
 * Scores what the probe sees against what each prompt states (leaving the probe's unreliable attributes
 * out, by name), the Frechet distance of probe features to `reference` renderer faces, and diversity.
 */
export async function evaluateGeneration(
  generate: (prompt: string, seed: number) => Promise<RgbImage> | RgbImage,
  probe: FaceProbe,
  opts: HeldOutOptions & { seeds?: number; reference?: number } = {},
): Promise<GenerationReport & { generated: RgbImage[] }> {
  const faces = facesOf(opts);
  const seeds = opts.seeds ?? 1;
  const prompts: string[] = [];
  const stated: Partial<VisibleAttributes>[] = [];
  for (const f of faces) {
    const cap = makeCaption(f.record, Rng.derive(f.seed, 'caption'), {
      phrasing: opts.phrasing ?? 'heldout',
    });
    prompts.push(cap.text);
    stated.push(Object.fromEntries(cap.mentioned.map((k) => [k, f.record[k]])) as Partial<VisibleAttributes>);
  }
  const generated: RgbImage[] = [];
  for (let i = 0; i < prompts.length; i++)
    for (let s = 0; s < seeds; s++) generated.push(await generate(prompts[i], s));
  const seen = await probe.predict(generated);
  const exclude = probe.unreliable.map((u) => u.name);
  const accuracy = generationAccuracy(
    seen.map((_, k) => stated[Math.floor(k / seeds)]),
    seen,
    { exclude },
  );
  const feats = async (imgs: RgbImage[]) => {
    const t = probe.features(imgs);
    const data = await t.data();
    const d = t.shape[1];
    t.dispose();
    return { data, n: imgs.length, d };
  };
  const ref = heldOutFaces(opts.reference ?? Math.max(200, generated.length), {
    seed: (opts.seed ?? 0) + 7,
    size: generated[0].width,
  });
  const g = await feats(generated);
  const r = await feats(ref.map((f) => f.image));
  let diversity: number | null = null;
  if (seeds > 1) {
    let sum = 0;
    for (let i = 0; i < prompts.length; i++)
      sum += meanPairwiseDistance({
        data: g.data.subarray(i * seeds * g.d, (i + 1) * seeds * g.d),
        n: seeds,
        d: g.d,
      });
    diversity = sum / prompts.length;
  }
  return {
    accuracy,
    frechet: frechetFromFeatures(g, r),
    diversity,
    referenceDiversity: meanPairwiseDistance(r),
    prompts: prompts.length,
    seeds,
    images: seen.map((p, k) => ({
      prompt: prompts[Math.floor(k / seeds)],
      stated: stated[Math.floor(k / seeds)],
      seen: p,
    })),
    generated,
  };
}
