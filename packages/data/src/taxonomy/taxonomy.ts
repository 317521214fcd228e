// The versioned attribute taxonomy, loaded from the JSON file shipped in the package.
import json from '../../taxonomy/taxonomy.v1.json';
import type { AttributeCondition, AttributeName, AttributeSpec, Taxonomy } from './types.js';

export const taxonomy: Taxonomy = json as Taxonomy;
export const TAXONOMY_VERSION: string = taxonomy.version;

const byName = new Map<AttributeName, AttributeSpec>(taxonomy.attributes.map((a) => [a.name, a]));

/** Attribute names in taxonomy order. */
export const ATTRIBUTE_NAMES: readonly AttributeName[] = taxonomy.attributes.map((a) => a.name);

export function attributeSpec(name: AttributeName): AttributeSpec {
  const spec = byName.get(name);
  if (!spec) throw new Error(`taxonomy ${TAXONOMY_VERSION}: unknown attribute "${name}"`);
  return spec;
}

export function matchesCondition(attrs: Record<string, unknown>, cond: AttributeCondition): boolean {
  for (const [name, values] of Object.entries(cond)) {
    if (!(values as unknown[]).includes(attrs[name])) return false;
  }
  return true;
}
