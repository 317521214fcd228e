// What the image can show: applies the taxonomy's hiddenWhen rules to the full attributes.
import { matchesCondition, taxonomy } from './taxonomy.js';
import type { AttributeName, FaceAttributes, VisibleAttributes } from './types.js';

/** The record of a face: its attributes with the ones the image cannot show set to null. */
export function visibleAttributes(attrs: FaceAttributes): VisibleAttributes {
  const out = { ...attrs } as VisibleAttributes;
  for (const spec of taxonomy.attributes) {
    if (spec.hiddenWhen?.some((c) => matchesCondition(attrs as unknown as Record<string, unknown>, c))) {
      (out as Record<AttributeName, unknown>)[spec.name] = null;
    }
  }
  return out;
}

/** Checks a record against the taxonomy; returns a list of problems (empty when valid). */
export function validateRecord(rec: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const spec of taxonomy.attributes) {
    if (!(spec.name in rec)) {
      problems.push(`missing attribute "${spec.name}"`);
      continue;
    }
    const v = rec[spec.name];
    if (v !== null && !(spec.values as unknown[]).includes(v)) {
      problems.push(
        `attribute "${spec.name}" has value ${JSON.stringify(v)}, not one of ${JSON.stringify(spec.values)}`,
      );
    }
  }
  for (const key of Object.keys(rec)) {
    if (!taxonomy.attributes.some((a) => a.name === key)) problems.push(`unknown attribute "${key}"`);
  }
  return problems;
}
