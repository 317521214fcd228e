// CelebA `list_attr_celeba.txt`: parsing and mapping of its 40 binary labels onto our taxonomy. An
// attribute the labels do not determine is null (unknown), so captions and questions never claim it.

import type { VisibleAttributes } from '../taxonomy/index.js';
import { ATTRIBUTE_NAMES } from '../taxonomy/index.js';

/** The 40 CelebA attribute names, in file order. */
export const CELEBA_ATTRIBUTES = [
  '5_o_Clock_Shadow',
  'Arched_Eyebrows',
  'Attractive',
  'Bags_Under_Eyes',
  'Bald',
  'Bangs',
  'Big_Lips',
  'Big_Nose',
  'Black_Hair',
  'Blond_Hair',
  'Blurry',
  'Brown_Hair',
  'Bushy_Eyebrows',
  'Chubby',
  'Double_Chin',
  'Eyeglasses',
  'Goatee',
  'Gray_Hair',
  'Heavy_Makeup',
  'High_Cheekbones',
  'Male',
  'Mouth_Slightly_Open',
  'Mustache',
  'Narrow_Eyes',
  'No_Beard',
  'Oval_Face',
  'Pale_Skin',
  'Pointy_Nose',
  'Receding_Hairline',
  'Rosy_Cheeks',
  'Sideburns',
  'Smiling',
  'Straight_Hair',
  'Wavy_Hair',
  'Wearing_Earrings',
  'Wearing_Hat',
  'Wearing_Lipstick',
  'Wearing_Necklace',
  'Wearing_Necktie',
  'Young',
] as const;

/** Labels of one image: true / false per attribute name present in the file. */
export type CelebaLabels = Record<string, boolean>;

export interface CelebaAttrFile {
  names: string[];
  rows: Map<string, CelebaLabels>;
  /** Lines that could not be parsed: line number and reason. */
  bad: { line: number; reason: string }[];
}

/**
 * Parses list_attr_celeba.txt: an optional count line, a header of attribute names, then one line per
 * image: `000001.jpg -1 1 ...` (1 = yes, -1 or 0 = no). Accepts 39 to 41 columns, by name.
 */
export function parseCelebaAttrs(text: string, source = 'list_attr_celeba.txt'): CelebaAttrFile {
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  if (/^\s*\d+\s*$/.test(lines[i] ?? '')) i++;
  const names = (lines[i] ?? '').trim().split(/\s+/).filter(Boolean);
  const known = names.filter((n) => (CELEBA_ATTRIBUTES as readonly string[]).includes(n)).length;
  if (names.length < 39 || names.length > 41 || known < 30) {
    throw new Error(
      `${source}: line ${i + 1} is not a CelebA attribute header (${names.length} names, ${known} known)`,
    );
  }
  const rows = new Map<string, CelebaLabels>();
  const bad: CelebaAttrFile['bad'] = [];
  for (let l = i + 1; l < lines.length; l++) {
    const parts = lines[l].trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') continue;
    // Some copies have one label more or fewer than the header (the image name counted as a column).
    if (parts.length - 1 !== names.length) {
      bad.push({ line: l + 1, reason: `${parts.length - 1} labels, header has ${names.length}` });
      continue;
    }
    const labels: CelebaLabels = {};
    let ok = true;
    for (let k = 0; k < names.length; k++) {
      const v = parts[k + 1];
      if (v === '1') labels[names[k]] = true;
      else if (v === '-1' || v === '0') labels[names[k]] = false;
      else {
        bad.push({ line: l + 1, reason: `label ${names[k]} is "${v}", not 1, -1 or 0` });
        ok = false;
        break;
      }
    }
    if (ok) rows.set(parts[0], labels);
  }
  return { names, rows, bad };
}

/** Exactly one of the named labels is true: its mapped value; otherwise unknown. */
function oneOf<T>(l: CelebaLabels, options: [string, T][]): T | null {
  const on = options.filter(([n]) => l[n] === true);
  const known = options.every(([n]) => n in l);
  return on.length === 1 && known ? on[0][1] : null;
}
const bool = (l: CelebaLabels, name: string): boolean | null => (name in l ? l[name] : null);
/** A label that only tells one side: `yes` when true, `no` when false (null: the side it cannot tell). */
const side = <T>(l: CelebaLabels, name: string, yes: T | null, no: T | null): T | null =>
  !(name in l) ? null : l[name] ? yes : no;

/** Maps CelebA labels onto the taxonomy; attributes the labels cannot tell are null. */
export function celebaToAttributes(l: CelebaLabels): VisibleAttributes {
  const bald = l.Bald === true;
  let facialHair: VisibleAttributes['facialHair'] = null;
  if (l.Goatee === true) facialHair = 'goatee';
  else if (l.No_Beard === false) facialHair = l['5_o_Clock_Shadow'] ? 'stubble' : 'full-beard';
  else if (l.No_Beard === true && '5_o_Clock_Shadow' in l && 'Goatee' in l) {
    facialHair = l['5_o_Clock_Shadow'] ? 'stubble' : 'none';
  }
  const attrs: VisibleAttributes = {
    faceShape: side(l, 'Oval_Face', 'oval', null),
    skinTone: side(l, 'Pale_Skin', 'porcelain', null),
    skinTexture: null,
    age: side(l, 'Young', 'young', null),
    gender: side(l, 'Male', 'masculine', 'feminine'),
    hairColor: bald
      ? null
      : oneOf(l, [
          ['Black_Hair', 'black'],
          ['Blond_Hair', 'blond'],
          ['Brown_Hair', 'brown'],
          ['Gray_Hair', 'gray'],
        ]),
    hairLength: bald ? 'bald' : null,
    hairType: bald
      ? null
      : oneOf(l, [
          ['Straight_Hair', 'straight'],
          ['Wavy_Hair', 'wavy'],
        ]),
    bangs: side(l, 'Bangs', null, 'none'),
    recedingHairline: bool(l, 'Receding_Hairline'),
    facialHair,
    mustache: bool(l, 'Mustache'),
    sideburns: bool(l, 'Sideburns'),
    eyebrows: oneOf(l, [
      ['Arched_Eyebrows', 'arched'],
      ['Bushy_Eyebrows', 'thick'],
    ]),
    eyeColor: null,
    noseSize: side(l, 'Big_Nose', 'large', null),
    lipFullness: side(l, 'Big_Lips', 'full', null),
    lipstick: side(l, 'Wearing_Lipstick', null, 'none'),
    blush: bool(l, 'Rosy_Cheeks'),
    glasses: side(l, 'Eyeglasses', null, 'none'),
    hat: side(l, 'Wearing_Hat', null, 'none'),
    earrings: bool(l, 'Wearing_Earrings'),
    necklace: bool(l, 'Wearing_Necklace'),
    faceMask: null,
    expression: side(l, 'Smiling', 'smiling', null),
    headYaw: null,
    headTilt: null,
    background: null,
    lightDirection: null,
  };
  for (const n of ATTRIBUTE_NAMES)
    if (!(n in attrs)) throw new Error(`celebaToAttributes: taxonomy attribute ${n} not mapped`);
  return attrs;
}

/** Number of attributes the labels determine. */
export const knownCount = (a: VisibleAttributes): number => Object.values(a).filter((v) => v !== null).length;
