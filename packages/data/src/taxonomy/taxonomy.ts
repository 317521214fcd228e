// The versioned attribute taxonomy, loaded from the JSON file shipped in the package.
import json from '../../taxonomy/taxonomy.v1.json';
import type { AttributeCondition, AttributeName, AttributeSpec, Taxonomy } from './types.js';

export const taxonomy: Taxonomy = json as Taxonomy;
export const TAXONOMY_VERSION: string = taxonomy.version;

const byName = new Map<AttributeName, AttributeSpec>(taxonomy.attributes.map((a) => [a.name, a]));

/**
 * The accessories (the one list: captions' accessory topic, the counting and wearing questions, ingest's
 * known-question check), in the order captions list them.
 */
export const ACCESSORIES: readonly AttributeName[] = ['glasses', 'hat', 'earrings', 'necklace', 'faceMask'];

/** Whether `attrs` wears accessory `name`: glasses and hat unless 'none', the others when true. */
export function wearsAccessory(attrs: Partial<Record<AttributeName, unknown>>, name: AttributeName): boolean {
  return name === 'glasses' || name === 'hat' ? attrs[name] !== 'none' : Boolean(attrs[name]);
}

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
