// Which labels can the pixels show at all? The renderer draws a face from its attributes and its seed (the
// nuisance: position jitter, colours, freckle positions all come from the seed's own random stream, drawn
// unconditionally in makeLayout, so changing one attribute moves nothing else). Re-rendering the same seed
// with one attribute changed therefore isolates what that attribute does to the image: where another value
// draws the identical picture, no judge can tell the two apart, and the best it can do on that face is a
// guess between them. These helpers measure that, per face; bench/identifiability.ts runs them over the
// probe's held-out faces and compares with the probe's errors.
import {
  ATTRIBUTE_NAMES,
  type AttributeName,
  attributeSpec,
  type FaceAttributes,
  renderFace,
  type VisibleAttributes,
  visibleAttributes,
} from '@unif2ace/data';

/** How far one render moved from another, in 0..255 grey levels over all pixels and channels. */
export interface RenderDiff {
  /** Largest |Δ| of any channel of any pixel. */
  max: number;
  /** Mean |Δ| over all bytes (pixels × 3 channels). */
  mean: number;
  /** Pixels whose largest channel |Δ| is above `changedAbove` (default 8 grey levels). */
  changed: number;
}

/** Pixel distance between two 8-bit RGB renders of the same size (HWC). */
export function renderDiff(a: Uint8Array, b: Uint8Array, changedAbove = 8): RenderDiff {
  if (a.length !== b.length || a.length % 3 !== 0)
    throw new RangeError(`renderDiff: images of ${a.length} and ${b.length} bytes (need equal RGB sizes)`);
  let max = 0;
  let sum = 0;
  let changed = 0;
  for (let p = 0; p < a.length; p += 3) {
    const d0 = Math.abs(a[p] - b[p]);
    const d1 = Math.abs(a[p + 1] - b[p + 1]);
    const d2 = Math.abs(a[p + 2] - b[p + 2]);
    const d = Math.max(d0, d1, d2);
    sum += d0 + d1 + d2;
    if (d > max) max = d;
    if (d > changedAbove) changed++;
  }
  return { max, mean: a.length ? sum / a.length : 0, changed };
}

/**
 * Whether data's sampler (taxonomy/sample.ts) can draw these attributes at all. A value it never draws
 * beside the others (a mustache on a feminine face, no mustache under a full beard, sideburns on a bald
 * head, receding hairline with bangs, wrinkles on a young face, pink lipstick on a masculine face) is no
 * confusion: a judge that knows the population knows it is impossible. Mirrors the sampler's hard rules
 * (its zero-probability branches); the test checks every sampled face passes.
 */
export function samplerAllows(a: FaceAttributes): boolean {
  const masc = a.gender === 'masculine';
  if (!masc && (a.facialHair !== 'none' || a.mustache || a.sideburns)) return false;
  if (masc && a.lipstick === 'pink') return false;
  if (a.facialHair === 'full-beard' && !a.mustache) return false;
  if (a.sideburns && a.hairLength === 'bald') return false;
  if (a.recedingHairline && a.bangs !== 'none') return false;
  if (a.age === 'young' && a.skinTexture === 'wrinkles') return false;
  return true;
}

/** One re-render: attribute `name` changed from the face's `value` to `alternative`, nothing else. */
export interface Counterfactual {
  name: AttributeName;
  value: FaceAttributes[AttributeName];
  alternative: FaceAttributes[AttributeName];
  /** Whether the sampler can draw the changed face (see samplerAllows). */
  allowed: boolean;
  diff: RenderDiff;
  /** The changed face's record (visibleAttributes): its labels, null where the taxonomy hides one. */
  labels: VisibleAttributes;
}

export interface CounterfactualOptions {
  /** Render size in pixels (default 64, what the probe sees). */
  size?: number;
  /** Only these attributes (default: every attribute the taxonomy calls visible on this face). */
  attributes?: readonly AttributeName[];
  /** Also re-render attributes the taxonomy hides on this face (default false). */
  includeHidden?: boolean;
  /** Grey-level threshold of RenderDiff.changed (default 8). */
  changedAbove?: number;
}

/**
 * Re-render face (attrs, seed) once per other value of each of its visible attributes and measure how far
 * each render is from the original. Returns the original render too.
 */
export function counterfactuals(
  attrs: FaceAttributes,
  seed: number,
  opts: CounterfactualOptions = {},
): { base: Uint8Array; rows: Counterfactual[] } {
  const size = opts.size ?? 64;
  const vis = visibleAttributes(attrs);
  const names = opts.attributes ?? ATTRIBUTE_NAMES;
  const base = renderFace(attrs, { size, seed }).rgb;
  const rows: Counterfactual[] = [];
  for (const name of names) {
    const spec = attributeSpec(name);
    if (!opts.includeHidden && vis[name] === null) continue;
    for (const alternative of spec.values) {
      if (alternative === attrs[name]) continue;
      const alt = { ...attrs, [name]: alternative } as FaceAttributes;
      rows.push({
        name,
        value: attrs[name],
        alternative: alternative as FaceAttributes[AttributeName],
        allowed: samplerAllows(alt),
        diff: renderDiff(base, renderFace(alt, { size, seed }).rgb, opts.changedAbove),
        labels: visibleAttributes(alt),
      });
    }
  }
  return { base, rows };
}

/** A tier of "the judge cannot tell these renders apart". */
export interface AmbiguityTier {
  name: string;
  /** Whether a re-render counts as indistinguishable from the original. */
  test: (d: RenderDiff) => boolean;
}

/**
 * The tiers the bench reports. `identical`: not one byte differs — a hard limit for any judge. `max<=2`:
 * at most 2 grey levels anywhere (sub-pixel anti-aliasing crumbs). `max<=8`: no pixel moves more than 8
 * levels — less than the probe's own training jitter (brightness ±6, contrast ±5 %, channel gains ±2 %
 * move a pixel by up to ~10 levels) and below what JPEG q75 preserves. `faint`: fewer than 3 pixels move by
 * more than 8 levels (what an ±2 px shift or a σ 0.5 blur can erase).
 */
export const AMBIGUITY_TIERS: readonly AmbiguityTier[] = [
  { name: 'identical', test: (d) => d.max === 0 },
  { name: 'max<=2', test: (d) => d.max <= 2 },
  { name: 'max<=8', test: (d) => d.max <= 8 },
  { name: 'faint', test: (d) => d.max <= 8 || d.changed < 3 },
];

/**
 * The best expected accuracy on one (face, attribute) for a judge that cannot tell apart the values whose
 * renders pass `tier.test` (and the sampler can draw): 1 / (1 + such alternatives) — a fair guess between
 * them. Returns 1 when every alternative is distinguishable.
 */
export function faceCredit(rows: readonly Counterfactual[], tier: AmbiguityTier): number {
  let same = 0;
  for (const r of rows) if (r.allowed && tier.test(r.diff)) same++;
  return 1 / (1 + same);
}

/**
 * The labels a judge cannot tell apart on one face, per attribute: the face's own label (a value, or null
 * where the taxonomy hides it) plus the label of every single-attribute change (`rows`, from
 * counterfactuals with includeHidden, so hidden attributes are changed too) that the sampler can draw and
 * whose render passes `tier.test`. This catches both an attribute whose other value draws the same picture
 * and a hiding rule whose condition the picture does not show (e.g. bangs under buzz-cut hair decide
 * whether the receding hairline is "hidden" or "false", and the bangs themselves are not drawn).
 */
export function labelSets(
  attrs: FaceAttributes,
  rows: readonly Counterfactual[],
  tier: AmbiguityTier,
): Map<AttributeName, Set<unknown>> {
  const own = visibleAttributes(attrs);
  const out = new Map<AttributeName, Set<unknown>>(ATTRIBUTE_NAMES.map((n) => [n, new Set([own[n]])]));
  for (const r of rows) {
    if (!r.allowed || !tier.test(r.diff)) continue;
    for (const n of ATTRIBUTE_NAMES) (out.get(n) as Set<unknown>).add(r.labels[n]);
  }
  return out;
}
