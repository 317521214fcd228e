// How well a probe's predictions match the records: per attribute, over all faces (hidden counts as a
// class) and over the faces where the attribute is visible, plus the overall figure.
import type { VisibleAttributes } from '@unif2ace/data';
import { type HeadLayout, headLayout } from './heads.js';

export interface AttributeAccuracy {
  name: string;
  group: string;
  /** Faces judged, and how many of them show the attribute. */
  count: number;
  visible: number;
  /** Fraction right over all faces (null = hidden is a class). */
  accuracy: number;
  /** Fraction right over the faces where the attribute is visible (NaN when none is). */
  visibleAccuracy: number;
}

export interface ProbeAccuracy {
  /** Right (face, attribute) pairs over all pairs. */
  overall: number;
  /** The same over visible pairs only. */
  overallVisible: number;
  attributes: AttributeAccuracy[];
}

export function probeAccuracy(
  predictions: readonly Record<string, unknown>[],
  records: readonly VisibleAttributes[],
  layout: HeadLayout = headLayout(),
): ProbeAccuracy {
  if (predictions.length !== records.length)
    throw new RangeError(`probeAccuracy: ${predictions.length} predictions for ${records.length} records`);
  let right = 0;
  let total = 0;
  let rightVis = 0;
  let totalVis = 0;
  const attributes = layout.heads.map((h) => {
    let ok = 0;
    let vis = 0;
    let okVis = 0;
    predictions.forEach((p, i) => {
      const want = records[i][h.name];
      const hit = p[h.name] === want;
      if (hit) ok++;
      if (want !== null) {
        vis++;
        if (hit) okVis++;
      }
    });
    right += ok;
    total += predictions.length;
    rightVis += okVis;
    totalVis += vis;
    return {
      name: h.name,
      group: h.group,
      count: predictions.length,
      visible: vis,
      accuracy: predictions.length ? ok / predictions.length : Number.NaN,
      visibleAccuracy: vis ? okVis / vis : Number.NaN,
    };
  });
  return {
    overall: total ? right / total : Number.NaN,
    overallVisible: totalVis ? rightVis / totalVis : Number.NaN,
    attributes,
  };
}

/**
 * Accuracy over the attributes the probe judges (every attribute not named in `unreliable`), each weighing
 * alike (every attribute is scored on every face); NaN when it judges none.
 */
export function judgedAccuracy(acc: ProbeAccuracy, unreliable: readonly { name: string }[]): number {
  const excluded = new Set(unreliable.map((u) => u.name));
  const kept = acc.attributes.filter((a) => !excluded.has(a.name));
  return kept.length ? kept.reduce((s, a) => s + a.accuracy, 0) / kept.length : Number.NaN;
}
