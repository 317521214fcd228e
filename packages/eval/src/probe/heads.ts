// The probe's output layout: one softmax head per taxonomy attribute, over the attribute's values plus
// an extra "hidden" class where the taxonomy's visibility rules can hide it. All heads are columns of one
// logits row; head h owns columns [offset, offset + classes.length).
import {
  ATTRIBUTE_NAMES,
  type AttributeName,
  type AttributeValue,
  attributeSpec,
  TAXONOMY_VERSION,
  type VisibleAttributes,
} from '@unif2ace/data';

/** The class name of "the image does not show this attribute" (a null in the record). */
export const HIDDEN = 'hidden';

export interface HeadSpec {
  name: AttributeName;
  group: string;
  /** The attribute's values in taxonomy order, then HIDDEN when the attribute can be hidden. */
  classes: (AttributeValue | typeof HIDDEN)[];
  /** Whether the last class is HIDDEN. */
  hidden: boolean;
  /** First logits column of this head. */
  offset: number;
}

export interface HeadLayout {
  taxonomy: string;
  heads: HeadSpec[];
  /** Total logits columns. */
  width: number;
}

/** The layout for the data package's taxonomy (every attribute, in taxonomy order). */
export function headLayout(): HeadLayout {
  let offset = 0;
  const heads = ATTRIBUTE_NAMES.map((name) => {
    const spec = attributeSpec(name);
    const hidden = (spec.hiddenWhen?.length ?? 0) > 0;
    const classes = [...spec.values, ...(hidden ? [HIDDEN as typeof HIDDEN] : [])];
    const h: HeadSpec = { name, group: spec.group, classes, hidden, offset };
    offset += classes.length;
    return h;
  });
  return { taxonomy: TAXONOMY_VERSION, heads, width: offset };
}

/** A record's class index per head (absolute logits columns), e.g. as cross-entropy targets. */
export function recordTargets(layout: HeadLayout, record: VisibleAttributes): Int32Array {
  const out = new Int32Array(layout.heads.length);
  layout.heads.forEach((h, i) => {
    const v = record[h.name];
    const k = v === null ? h.classes.indexOf(HIDDEN) : h.classes.indexOf(v);
    if (k < 0)
      throw new RangeError(
        `recordTargets: attribute ${h.name} = ${JSON.stringify(v)} is not one of ${JSON.stringify(h.classes)}`,
      );
    out[i] = h.offset + k;
  });
  return out;
}

/** Per head, the arg-max class of a logits row (HIDDEN -> null). */
export function decodeRow(
  layout: HeadLayout,
  row: ArrayLike<number>,
  base = 0,
): Record<string, AttributeValue | null> {
  const out: Record<string, AttributeValue | null> = {};
  for (const h of layout.heads) {
    let best = 0;
    for (let k = 1; k < h.classes.length; k++)
      if (row[base + h.offset + k] > row[base + h.offset + best]) best = k;
    const c = h.classes[best];
    out[h.name] = c === HIDDEN ? null : (c as AttributeValue);
  }
  return out;
}
