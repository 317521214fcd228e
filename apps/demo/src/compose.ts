// Attribute chips → a description in the words the model was trained on. With a gender chip the caption
// comes from data's own grammar (`makeCaption` on a record that states only the chosen attributes); without
// one, the chosen phrases are joined into one sentence (the grammar's sentences need a pronoun).
import {
  ATTRIBUTE_NAMES,
  type AttributeName,
  type AttributeValue,
  HAIR_WORDS,
  makeCaption,
  PHRASES,
  Rng,
  taxonomy,
  type VisibleAttributes,
} from '@unif2ace/data';

export type Selection = Partial<Record<AttributeName, AttributeValue>>;

export interface ChipGroup {
  group: string;
  chips: { attr: AttributeName; value: AttributeValue; label: string }[];
}

const AGE = { young: 'young', 'middle-aged': 'middle-aged', old: 'elderly' } as Record<string, string>;
const BOOLEAN_LABEL: Partial<Record<AttributeName, string>> = {
  recedingHairline: 'receding hairline',
  mustache: 'mustache',
  sideburns: 'sideburns',
  blush: 'blush',
  earrings: 'earrings',
  necklace: 'necklace',
  faceMask: 'face mask',
};
/** Attributes whose chips would only say "none" or describe the picture rather than the face. */
const NO_CHIP_VALUES = new Set(['none', 'frontal', 'upright', 'smooth']);

/** The chips, grouped as the taxonomy groups them: one per value (booleans: one chip for "true"). */
export function chipGroups(): ChipGroup[] {
  const groups = new Map<string, ChipGroup>();
  for (const a of taxonomy.attributes) {
    const name = a.name as AttributeName;
    const g = groups.get(a.group) ?? { group: a.group, chips: [] };
    groups.set(a.group, g);
    const values = a.values as (string | boolean)[];
    if (values.length === 2 && values.every((v) => typeof v === 'boolean')) {
      g.chips.push({ attr: name, value: true as AttributeValue, label: BOOLEAN_LABEL[name] ?? name });
      continue;
    }
    for (const v of values) {
      if (NO_CHIP_VALUES.has(String(v))) continue;
      g.chips.push({ attr: name, value: v as AttributeValue, label: chipLabel(name, String(v)) });
    }
  }
  return [...groups.values()].filter((g) => g.chips.length > 0);
}

function chipLabel(name: AttributeName, v: string): string {
  switch (name) {
    case 'hairColor':
      return `${v} hair`;
    case 'hairLength':
      return v === 'bald' ? 'bald' : `${v} hair`;
    case 'hairType':
      return `${v} hair`;
    case 'bangs':
      return `${v} bangs`;
    case 'eyeColor':
      return `${v} eyes`;
    case 'eyebrows':
      return `${v} brows`;
    case 'faceShape':
      return `${v} face`;
    case 'skinTone':
      return `${v} skin`;
    case 'skinTexture':
      return v;
    case 'noseSize':
      return `${v} nose`;
    case 'lipFullness':
      return `${v} lips`;
    case 'lipstick':
      return `${v} lipstick`;
    case 'background':
      return `${v} background`;
    case 'headYaw':
      return `turned ${v}`;
    case 'headTilt':
      return `tilted ${v}`;
    case 'lightDirection':
      return `lit from ${v === 'top' ? 'above' : `the ${v}`}`;
    case 'glasses':
      return v === 'sunglasses' ? v : `${v} glasses`;
    default:
      return v.replace('-', ' ');
  }
}

const first = (table: typeof PHRASES, name: AttributeName, value: AttributeValue): string | undefined =>
  table[name]?.[String(value)]?.train[0];

/** The description for a chip selection ('' for none). Deterministic. */
export function composeDescription(sel: Selection): string {
  const chosen = ATTRIBUTE_NAMES.filter((n) => sel[n] !== undefined && sel[n] !== null);
  if (chosen.length === 0) return '';
  if (sel.gender) {
    const record = Object.fromEntries(ATTRIBUTE_NAMES.map((n) => [n, sel[n] ?? null])) as VisibleAttributes;
    return makeCaption(record, new Rng(1), { phrasing: 'train', minWords: 0 }).text;
  }
  const nouns: string[] = [];
  const predicates: string[] = [];
  const hair = (['hairLength', 'hairType', 'hairColor'] as const)
    .filter((n) => sel[n] !== undefined && sel[n] !== 'bald')
    .map((n) => first(HAIR_WORDS, n, sel[n] as AttributeValue))
    .filter((w): w is string => !!w);
  if (sel.hairLength === 'bald') nouns.push('a bald head');
  else if (hair.length) nouns.push(`${hair.join(' ')} hair`);
  for (const n of chosen) {
    if (n === 'age' || n === 'hairLength' || n === 'hairType' || n === 'hairColor') continue;
    const phrase = first(PHRASES, n, sel[n] as AttributeValue);
    if (!phrase) continue;
    if (n === 'headYaw' || n === 'headTilt' || n === 'lightDirection')
      predicates.push(n === 'headTilt' ? `with ${phrase}` : phrase);
    else nouns.push(phrase);
  }
  const adj = sel.age ? AGE[String(sel.age)] : '';
  const who = adj ? `${/^[aeiou]/.test(adj) ? 'An' : 'A'} ${adj} person` : 'A person';
  const list = nouns.length > 1 ? `${nouns.slice(0, -1).join(', ')} and ${nouns.at(-1)}` : nouns[0];
  const parts = [who, list ? `with ${list}` : '', predicates.join(', ')].filter(Boolean);
  return `${parts.join(', ').replace(/^(An? (?:\S+ )?person), with/, '$1 with')}.`;
}
