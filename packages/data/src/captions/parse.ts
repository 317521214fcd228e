// Parses a caption (either phrasing) back to the attribute values it states. Used to check that
// captions never contradict their record, and usable to score generated captions against a record.

import { attributeSpec } from '../taxonomy/taxonomy.js';
import type { AttributeName, AttributeValue } from '../taxonomy/types.js';
import { AGE_WORDS, BALD, GENDER_WORDS, HAIR_NOUNS, HAIR_WORDS, PHRASES } from './lexicon.js';

export interface ParsedCaption {
  /** The attribute values the text states. */
  attributes: Partial<Record<AttributeName, AttributeValue>>;
  /** Attributes stated with two different values (each entry names both). */
  conflicts: string[];
}

interface Entry {
  name: AttributeName;
  value: AttributeValue;
}

function toValue(name: AttributeName, key: string): AttributeValue {
  const spec = attributeSpec(name);
  const v = spec.values.find((x) => String(x) === key);
  if (v === undefined) throw new Error(`lexicon: "${key}" is not a value of ${name}`);
  return v;
}

const phraseMap = new Map<string, Entry>();
const add = (text: string, e: Entry) => {
  const prev = phraseMap.get(text);
  if (prev && (prev.name !== e.name || prev.value !== e.value)) {
    throw new Error(`lexicon: "${text}" names both ${prev.name}=${prev.value} and ${e.name}=${e.value}`);
  }
  phraseMap.set(text, e);
};
for (const [name, values] of Object.entries(PHRASES)) {
  for (const [key, ph] of Object.entries(values ?? {})) {
    const e = { name: name as AttributeName, value: toValue(name as AttributeName, key) };
    for (const t of [...(ph?.train ?? []), ...(ph?.heldout ?? [])]) add(t, e);
  }
}
for (const t of [...BALD.train, ...BALD.heldout]) add(t, { name: 'hairLength', value: 'bald' });
for (const [age, ph] of Object.entries(AGE_WORDS))
  for (const t of [...ph.train, ...ph.heldout]) add(t, { name: 'age', value: age as AttributeValue });
for (const [g, ph] of Object.entries(GENDER_WORDS))
  for (const t of [...ph.train, ...ph.heldout]) add(t, { name: 'gender', value: g as AttributeValue });
for (const t of ['she', 'her', 'hers', 'herself']) add(t, { name: 'gender', value: 'feminine' });
for (const t of ['he', 'his', 'him', 'himself']) add(t, { name: 'gender', value: 'masculine' });

const hairWordMap = new Map<string, Entry>();
for (const [name, values] of Object.entries(HAIR_WORDS)) {
  for (const [key, ph] of Object.entries(values ?? {})) {
    for (const t of [...(ph?.train ?? []), ...(ph?.heldout ?? [])]) {
      hairWordMap.set(t, { name: name as AttributeName, value: toValue(name as AttributeName, key) });
    }
  }
}
const hairNouns = new Set([...HAIR_NOUNS.train, ...HAIR_NOUNS.heldout]);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Longest phrases first so "deep brown skin" wins over "brown skin"; no letter or hyphen may touch a match.
const PHRASE_RE = new RegExp(
  `(?<![a-z'-])(${[...phraseMap.keys()]
    .sort((a, b) => b.length - a.length)
    .map(escapeRe)
    .join('|')})(?![a-z'-])`,
  'g',
);
const HAIR_ADJ = [...hairWordMap.keys()]
  .sort((a, b) => b.length - a.length)
  .map(escapeRe)
  .join('|');
const HAIR_RE = new RegExp(
  `(?<![a-z'-])((?:(?:${HAIR_ADJ})(?:,? and |, | ))+)(${[...hairNouns].join('|')})(?![a-z'-])`,
  'g',
);

export function parseCaption(text: string): ParsedCaption {
  const attributes: Partial<Record<AttributeName, AttributeValue>> = {};
  const conflicts: string[] = [];
  const note = (e: Entry, where: string) => {
    const prev = attributes[e.name];
    if (prev !== undefined && prev !== e.value)
      conflicts.push(`${e.name}: ${String(prev)} vs ${String(e.value)} ("${where}")`);
    else attributes[e.name] = e.value;
  };
  let s = text.toLowerCase().replace(/[\u2018\u2019]/g, "'");
  s = s.replace(PHRASE_RE, (m) => {
    note(phraseMap.get(m) as Entry, m);
    return ' '.repeat(m.length);
  });
  s.replace(HAIR_RE, (m, adjs: string) => {
    const words = adjs
      .split(/,? and |, | /)
      .map((w) => w.trim())
      .filter(Boolean);
    // Two-word adjectives ("tightly curled") first.
    const joined = ` ${words.join(' ')} `;
    let rest = joined;
    for (const key of [...hairWordMap.keys()].filter((k) => k.includes(' '))) {
      if (rest.includes(` ${key} `)) {
        note(hairWordMap.get(key) as Entry, m);
        rest = rest.replace(` ${key} `, ' ');
      }
    }
    for (const w of rest.split(' ').filter(Boolean)) {
      const e = hairWordMap.get(w);
      if (e) note(e, m);
    }
    return m;
  });
  return { attributes, conflicts };
}
