// Caption grammar: an opening sentence (age, gender, face shape, skin) and topic sentences (hair, eyes,
// facial hair, features, makeup, accessories, expression, pose, scene) in random order, each from
// several sentence forms with synonyms and shuffled lists. Only attributes the record shows (non-null)
// are mentioned, so a caption never states something the image cannot show.
import type { Rng } from '../random.js';
import { ACCESSORIES } from '../taxonomy/taxonomy.js';
import type { AttributeName, VisibleAttributes } from '../taxonomy/types.js';
import {
  AGE_WORDS,
  BALD,
  GENDER_WORDS,
  HAIR_NOUNS,
  HAIR_WORDS,
  PHRASES,
  type Phrasing,
  phrasesFor,
} from './lexicon.js';

export interface CaptionOptions {
  phrasing?: Phrasing;
  /** Words allowed (default 40 to 120). */
  minWords?: number;
  maxWords?: number;
  /** How many attributes to mention (default: uniform in [14, 22], at most what is visible). */
  mentions?: number;
}

export interface Caption {
  text: string;
  /** The attributes the caption mentions. */
  mentioned: AttributeName[];
  words: number;
}

const TOPICS: AttributeName[][] = [
  ['hairLength', 'hairType', 'hairColor', 'bangs', 'recedingHairline'],
  ['facialHair', 'mustache', 'sideburns'],
  ['eyeColor', 'eyebrows'],
  ['noseSize', 'lipFullness', 'skinTexture'],
  ['lipstick', 'blush'],
  [...ACCESSORIES],
  ['expression'],
  ['headYaw', 'headTilt'],
  ['background', 'lightDirection'],
];
const INTRO: AttributeName[] = ['age', 'gender', 'faceShape', 'skinTone'];
const ALL: AttributeName[] = [...INTRO, ...TOPICS.flat()];
const WEARABLE = new Set<AttributeName>(ACCESSORIES);

interface Voice {
  subj: string;
  poss: string;
  obj: string;
}

const VOICES: Record<'feminine' | 'masculine', Voice> = {
  feminine: { subj: 'she', poss: 'her', obj: 'her' },
  masculine: { subj: 'he', poss: 'his', obj: 'him' },
};

/** Sentence forms; {S} subject pronoun, {P} possessive, {O} object, {L} a list of phrases. */
const FORMS = {
  train: {
    intro: [
      'A photo of {A} with {W}.',
      'This is a portrait of {A} with {W}.',
      'The image shows {A} with {W}.',
      '{A} with {W} is pictured.',
      'A close portrait of {A}, with {W}.',
    ],
    introBare: ['A photo of {A}.', 'This is a portrait of {A}.', 'The image shows {A}.'],
    has: [
      '{S} has {L}.',
      '{S} also has {L}.',
      'Notable features include {L}.',
      'You can see {L}.',
      '{P} face shows {L}.',
    ],
    wears: [
      '{S} is wearing {L}.',
      '{S} wears {L}.',
      '{S} has on {L}.',
      'In terms of accessories, {S} has {L}.',
    ],
    hair: ['{S} has {H}{X}.', '{P} look includes {H}{X}.', 'On top, {S} has {H}{X}.'],
    expression: ['{S} has {E}.', '{S} wears {E}.', '{P} face shows {E}.'],
    yaw: ['{S} is {Y}', '{P} face is {Y}'],
    tilt: ['with {T}.', 'and poses with {T}.'],
    tiltOnly: ['{S} poses with {T}.', 'The photo shows {O} with {T}.'],
    scene: ['The portrait has {B}', 'Behind {O} is {B}', 'The setting is {B}'],
    light: [', and the face is {G}.', ', with the face {G}.'],
    lightOnly: ['The face is {G}.', '{P} face is {G}.'],
  },
  heldout: {
    intro: [
      'Pictured here is {A} with {W}.',
      'This picture depicts {A} who has {W}.',
      'Here we see {A} with {W}.',
    ],
    introBare: ['Pictured here is {A}.', 'This picture depicts {A}.'],
    has: ['Visible are {L}.', 'The person displays {L}.', '{S} sports {L}.', 'One notices {L}.'],
    wears: ['{S} can be seen wearing {L}.', '{S} is dressed with {L}.', 'As for accessories: {L}.'],
    hair: ['{S} sports {H}{X}.', 'The person is seen with {H}{X}.'],
    expression: ['{S} shows {E}.', 'One can read {E} on {P} face.'],
    yaw: ['{S} is {Y}', 'The face is {Y}'],
    tilt: ['with {T}.', 'holding still with {T}.'],
    tiltOnly: ['{S} is shown with {T}.'],
    scene: ['Behind {O} there is {B}', 'The picture uses {B}'],
    light: [', and {S} is {G}.', '; the face is {G}.'],
    lightOnly: ['{S} is {G}.'],
  },
};

export function makeCaption(attrs: VisibleAttributes, rng: Rng, options: CaptionOptions = {}): Caption {
  const minWords = options.minWords ?? 40;
  const maxWords = options.maxWords ?? 120;
  const visible = ALL.filter((n) => attrs[n] !== null);
  let want = Math.min(visible.length, options.mentions ?? 14 + rng.int(9));
  let best: Caption | null = null;
  for (let attempt = 0; attempt < 12; attempt++) {
    const cap = compose(attrs, rng, options.phrasing ?? 'train', pickMentions(visible, want, rng));
    if (cap.words >= minWords && cap.words <= maxWords) return cap;
    if (!best || distance(cap.words, minWords, maxWords) < distance(best.words, minWords, maxWords))
      best = cap;
    want = cap.words < minWords ? Math.min(visible.length, want + 2) : Math.max(4, want - 2);
  }
  return best as Caption;
}

function distance(w: number, lo: number, hi: number): number {
  return w < lo ? lo - w : w > hi ? w - hi : 0;
}

function pickMentions(visible: AttributeName[], n: number, rng: Rng): Set<AttributeName> {
  const chosen = new Set<AttributeName>(['gender']);
  for (const name of rng.shuffle(visible)) {
    if (chosen.size >= n) break;
    chosen.add(name);
  }
  return chosen;
}

function compose(
  attrs: VisibleAttributes,
  rng: Rng,
  phrasing: Phrasing,
  chosen: Set<AttributeName>,
): Caption {
  const forms = FORMS[phrasing];
  const v = VOICES[attrs.gender ?? 'feminine'];
  const phrase = (name: AttributeName) => rng.pick(phrasesFor(PHRASES, name, attrs[name], phrasing));
  const fill = (form: string, slots: Record<string, string>) =>
    form.replace(/\{([A-Z0-9]+)\}/g, (_m, k: string) => {
      if (k === 'S') return v.subj;
      if (k === 'P') return v.poss;
      if (k === 'O') return v.obj;
      const s = slots[k];
      if (s === undefined) throw new Error(`caption form "${form}" has no value for {${k}}`);
      return s;
    });
  const mentioned = new Set<AttributeName>(['gender']);
  const sentences: string[] = [];

  // Opening: age + gender noun, then face shape and skin tone.
  const age = chosen.has('age') ? `${rng.pick(AGE_WORDS[attrs.age as 'young'][phrasing])} ` : '';
  if (age) mentioned.add('age');
  const noun = rng.pick(GENDER_WORDS[attrs.gender as 'feminine'][phrasing]);
  const subject = withArticle(`${age}${noun}`);
  const introParts = (['faceShape', 'skinTone'] as const).filter((n) => chosen.has(n));
  for (const n of introParts) mentioned.add(n);
  sentences.push(
    introParts.length
      ? fill(rng.pick(forms.intro), { A: subject, W: list(rng.shuffle(introParts.map(phrase)), rng) })
      : fill(rng.pick(forms.introBare), { A: subject }),
  );

  const body: string[] = [];
  for (const topic of rng.shuffle(TOPICS)) {
    const names = topic.filter((n) => chosen.has(n));
    if (names.length === 0) continue;
    for (const n of names) mentioned.add(n);
    const t = topic[0];
    if (t === 'hairLength') body.push(hairSentence(attrs, names, rng, phrasing, fill, phrase));
    else if (t === 'expression') body.push(fill(rng.pick(forms.expression), { E: phrase('expression') }));
    else if (t === 'headYaw') body.push(poseSentence(names, rng, forms, fill, phrase));
    else if (t === 'background') body.push(sceneSentence(names, rng, forms, fill, phrase));
    else {
      const wear = names.filter((n) => WEARABLE.has(n));
      const have = names.filter((n) => !WEARABLE.has(n));
      if (have.length) body.push(fill(rng.pick(forms.has), { L: list(rng.shuffle(have).map(phrase), rng) }));
      if (wear.length)
        body.push(fill(rng.pick(forms.wears), { L: list(rng.shuffle(wear).map(phrase), rng) }));
    }
  }
  sentences.push(...body);
  const text = sentences.map(capitalise).join(' ');
  return { text, mentioned: ALL.filter((n) => mentioned.has(n)), words: text.split(/\s+/).length };
}

type Fill = (form: string, slots: Record<string, string>) => string;
type PhraseOf = (name: AttributeName) => string;

function hairSentence(
  attrs: VisibleAttributes,
  names: AttributeName[],
  rng: Rng,
  phrasing: Phrasing,
  fill: Fill,
  phrase: PhraseOf,
): string {
  const forms = FORMS[phrasing];
  const extras = names.filter((n) => n === 'bangs' || n === 'recedingHairline').map(phrase);
  const X = extras.length ? ` with ${list(extras, rng)}` : '';
  const adjNames = names.filter((n) => n === 'hairLength' || n === 'hairType' || n === 'hairColor');
  if (attrs.hairLength === 'bald' && adjNames.includes('hairLength')) {
    return fill('{S} has {H}{X}.', { H: rng.pick(BALD[phrasing]), X });
  }
  // Colour comes last in English adjective order, length and type in either order.
  const lt = rng.shuffle(adjNames.filter((n) => n !== 'hairColor'));
  const ordered = adjNames.includes('hairColor') ? [...lt, 'hairColor' as const] : lt;
  const adjs = ordered.map((n) => rng.pick(phrasesFor(HAIR_WORDS, n, attrs[n], phrasing)));
  const nounWord = rng.pick(HAIR_NOUNS[phrasing]);
  if (adjs.length === 0) return fill('{S} has {X2}.', { X2: list(extras, rng) });
  const joined =
    adjs.length > 1 && rng.bool()
      ? `${adjs.slice(0, -1).join(', ')}, ${adjs[adjs.length - 1]}`
      : adjs.join(' ');
  const form = rng.pick(forms.hair);
  return fill(form, { H: `${joined} ${nounWord}`, X });
}

function poseSentence(
  names: AttributeName[],
  rng: Rng,
  forms: (typeof FORMS)['train'],
  fill: Fill,
  phrase: PhraseOf,
): string {
  if (names.includes('headYaw') && names.includes('headTilt')) {
    return `${fill(rng.pick(forms.yaw), { Y: phrase('headYaw') })} ${fill(rng.pick(forms.tilt), { T: phrase('headTilt') })}`;
  }
  if (names.includes('headYaw')) return `${fill(rng.pick(forms.yaw), { Y: phrase('headYaw') })}.`;
  return fill(rng.pick(forms.tiltOnly), { T: phrase('headTilt') });
}

function sceneSentence(
  names: AttributeName[],
  rng: Rng,
  forms: (typeof FORMS)['train'],
  fill: Fill,
  phrase: PhraseOf,
): string {
  if (names.includes('background')) {
    const s = fill(rng.pick(forms.scene), { B: phrase('background') });
    return names.includes('lightDirection')
      ? s + fill(rng.pick(forms.light), { G: phrase('lightDirection') })
      : `${s}.`;
  }
  return fill(rng.pick(forms.lightOnly), { G: phrase('lightDirection') });
}

function list(items: string[], rng: Rng): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  const oxford = rng.bool() ? ',' : '';
  return `${items.slice(0, -1).join(', ')}${oxford} and ${items[items.length - 1]}`;
}

function withArticle(np: string): string {
  return `${/^[aeiou]/.test(np) ? 'an' : 'a'} ${np}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
