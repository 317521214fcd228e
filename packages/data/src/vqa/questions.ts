// Visual questions with short exact answers, about 8 per image: balanced yes/no questions, "what colour",
// "what kind", "is the person wearing", counting accessories and comparisons. Only attributes the record
// shows are asked about. Each item keeps what it asks (`attr`, `value`) so answers can be checked
// against the record and accuracy reported per attribute.
import { HAIR_WORDS, PHRASES, type Phrasing, phrasesFor } from '../captions/lexicon.js';
import type { Rng } from '../random.js';
import { ACCESSORIES, attributeSpec, wearsAccessory } from '../taxonomy/taxonomy.js';
import type { AttributeName, AttributeValue, VisibleAttributes } from '../taxonomy/types.js';
import { BACKGROUND_LUMA, HAIR_LUMA } from './luma.js';

export type QuestionKind = 'yes-no' | 'wearing' | 'color' | 'kind' | 'count' | 'compare';

export interface QA {
  q: string;
  a: string;
  kind: QuestionKind;
  /** The attribute asked about ('accessories' for counting, two names joined by '|' for comparisons). */
  attr: string;
  /** For yes/no and wearing questions: the value whose presence is asked. */
  value?: AttributeValue;
}

export interface QuestionOptions {
  phrasing?: Phrasing;
  /** Number of questions (default 8). */
  count?: number;
}

const HAS_ATTRS: AttributeName[] = [
  'faceShape',
  'skinTone',
  'skinTexture',
  'bangs',
  'recedingHairline',
  'facialHair',
  'mustache',
  'sideburns',
  'eyebrows',
  'eyeColor',
  'noseSize',
  'lipFullness',
  'lipstick',
  'blush',
  'expression',
];

const FORMS = {
  train: {
    has: ['Does the person have {NP}?', 'Does {S} have {NP}?', 'Can you see {NP}?'],
    hair: ['Does the person have {ADJ} hair?', 'Does {S} have {ADJ} hair?'],
    bg: ['Is the background {C}?'],
    yaw: ['Is the person {Y}?'],
    light: ['Is the face {G}?'],
    age: ['Does the person look {AGE}?'],
    wearing: ['Is {S} wearing {NP}?', 'Is the person wearing {NP}?', 'Does {S} wear {NP}?'],
    color: {
      hairColor: ['What color is the hair?', 'What colour is {P} hair?'],
      eyeColor: ['What color are {P} eyes?', 'What colour are the eyes?'],
      background: ['What color is the background?'],
      lipstick: ['What color is {P} lipstick?'],
    } as Partial<Record<AttributeName, string[]>>,
    kind: {
      glasses: ['What kind of glasses is {S} wearing?'],
      hat: ['What kind of hat is the person wearing?'],
      facialHair: ['What kind of facial hair does {S} have?'],
      faceShape: ['What shape is {P} face?'],
      hairType: ['What type of hair does {S} have?'],
      hairLength: ['How long is {P} hair?'],
      expression: ['What is {P} facial expression?', 'What expression does the person have?'],
      eyebrows: ['What kind of eyebrows does {S} have?'],
      skinTone: ['What is {P} skin tone?'],
      age: ['What age group does {S} appear to be?'],
      bangs: ['What kind of bangs does {S} have?'],
      headYaw: ['Which way is the head turned?'],
      lightDirection: ['Where does the light come from?'],
      noseSize: ['How big is {P} nose?'],
    } as Partial<Record<AttributeName, string[]>>,
    count: [
      'How many accessories is {S} wearing?',
      'How many of these does the person wear: glasses, a hat, earrings, a necklace, a face mask?',
    ],
    longer: ['Is {P} hair longer than shoulder length?'],
    shorter: ['Is {P} hair shorter than shoulder length?'],
    older: ['Does {S} look older than middle-aged?'],
    younger: ['Does {S} look younger than middle-aged?'],
    darker: ['Is {P} skin darker than olive?'],
    bigNose: ['Is {P} nose larger than average?'],
    lighter: ['Which is lighter, the hair or the background?'],
  },
  heldout: {
    has: ['Would you say the person has {NP}?', 'Is it true that {S} has {NP}?'],
    hair: ['Would you describe the person as having {ADJ} {N}?'],
    bg: ['Is the backdrop {C}?'],
    yaw: ['Would you say the person is {Y}?'],
    light: ['Is the person {G}?'],
    age: ['Would you call the person {AGE}?'],
    wearing: ['Does the person have {NP} on?', 'Has {S} put on {NP}?'],
    color: {
      hairColor: ['Which hair color does the person have?'],
      eyeColor: ['Which color are the eyes of the person?'],
      background: ['What is the color of the backdrop?'],
      lipstick: ['Which lip color is the person wearing?'],
    } as Partial<Record<AttributeName, string[]>>,
    kind: {
      glasses: ['Which style of eyewear does the person have on?'],
      hat: ['Which sort of headwear is the person wearing?'],
      facialHair: ['Which style of facial hair is visible?'],
      faceShape: ['How would you describe the shape of the face?'],
      hairType: ['Is the hair straight, wavy or curly?'],
      hairLength: ['What is the length of the hair?'],
      expression: ['Which emotion does the face show?'],
      eyebrows: ['How would you describe the eyebrows?'],
      skinTone: ['Which skin tone does the person have?'],
      age: ['Roughly how old does the person look?'],
      bangs: ['Which style of fringe does the person have?'],
      headYaw: ['In which direction is the face turned?'],
      lightDirection: ['From which side is the face illuminated?'],
      noseSize: ['What size is the nose?'],
    } as Partial<Record<AttributeName, string[]>>,
    count: ['Count the accessories the person has on. How many are there?'],
    longer: ['Does the hair reach past the shoulders?'],
    shorter: ['Is the hair above shoulder length?'],
    older: ['Is the person older than middle age?'],
    younger: ['Is the person younger than middle age?'],
    darker: ['Is the complexion darker than olive?'],
    bigNose: ['Is the nose bigger than average?'],
    lighter: ['Is the hair lighter or darker than the backdrop?'],
  },
};

/** The short exact answer naming a value. */
export function answerText(value: AttributeValue): string {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (value === 'full-beard') return 'full beard';
  if (value === 'light-brown') return 'light brown';
  return String(value);
}

export function countAccessories(attrs: VisibleAttributes): number {
  return ACCESSORIES.filter((n) => wearsAccessory(attrs, n)).length;
}

function isPositive(v: AttributeValue): boolean {
  return v !== 'none' && v !== false;
}

const valuesCache = new Map<AttributeName, { all: AttributeValue[]; positive: AttributeValue[] }>();
function valuesOf(name: AttributeName): { all: AttributeValue[]; positive: AttributeValue[] } {
  let v = valuesCache.get(name);
  if (!v) {
    const all = attributeSpec(name).values;
    v = { all, positive: all.filter(isPositive) };
    valuesCache.set(name, v);
  }
  return v;
}

interface Candidate {
  text: (rng: Rng) => string;
  yes: boolean;
  attr: string;
  value?: AttributeValue;
}

export function makeQuestions(attrs: VisibleAttributes, rng: Rng, options: QuestionOptions = {}): QA[] {
  const phrasing = options.phrasing ?? 'train';
  const count = options.count ?? 8;
  const F = FORMS[phrasing];
  const voice = attrs.gender === 'masculine' ? { S: 'he', P: 'his' } : { S: 'she', P: 'her' };
  const fill = (form: string, slots: Record<string, string> = {}) =>
    capitalise(form.replace(/\{([A-Z]+)\}/g, (_m, k: string) => (k in voice ? voice[k as 'S'] : slots[k])));
  const np = (name: AttributeName, value: AttributeValue) =>
    rng.pick(phrasesFor(PHRASES, name, value, phrasing));

  // Yes/no candidates over every positive value of every visible attribute.
  const yesNo: Candidate[] = [];
  const wearing: Candidate[] = [];
  const add = (list: Candidate[], attr: AttributeName, value: AttributeValue, text: (rng: Rng) => string) =>
    list.push({ text, yes: attrs[attr] === value, attr, value });
  for (const name of HAS_ATTRS) {
    if (attrs[name] === null) continue;
    for (const v of valuesOf(name).positive) {
      add(yesNo, name, v, () => fill(rng.pick(F.has), { NP: np(name, v) }));
    }
  }
  for (const name of ['hairLength', 'hairType', 'hairColor'] as const) {
    if (attrs[name] === null) continue;
    for (const v of valuesOf(name).all) {
      const adj = phrasesFor(HAIR_WORDS, name, v, phrasing);
      if (adj.length === 0) continue;
      add(yesNo, name, v, () =>
        fill(rng.pick(F.hair), { ADJ: rng.pick(adj), N: phrasing === 'train' ? 'hair' : 'locks' }),
      );
    }
  }
  for (const v of valuesOf('background').all) {
    add(yesNo, 'background', v, () => fill(rng.pick(F.bg), { C: String(v) }));
  }
  for (const v of valuesOf('headYaw').all)
    add(yesNo, 'headYaw', v, () => fill(rng.pick(F.yaw), { Y: np('headYaw', v) }));
  for (const v of valuesOf('lightDirection').all) {
    add(yesNo, 'lightDirection', v, () => fill(rng.pick(F.light), { G: np('lightDirection', v) }));
  }
  for (const v of valuesOf('age').all) {
    if (attrs.age === null) break;
    const word = v === 'old' ? 'elderly' : String(v);
    add(yesNo, 'age', v, () => fill(rng.pick(F.age), { AGE: word }));
  }
  for (const name of ACCESSORIES) {
    for (const v of valuesOf(name).positive) {
      add(wearing, name, v, () => fill(rng.pick(F.wearing), { NP: np(name, v) }));
    }
  }

  const out: QA[] = [];
  const asked = new Set<string>();
  const push = (qa: QA) => {
    if (asked.has(qa.q)) return false;
    asked.add(qa.q);
    out.push(qa);
    return true;
  };
  const pickYesNo = (pool: Candidate[], kind: QuestionKind) => {
    // Balanced: choose the answer first, then a question with that answer.
    const wantYes = rng.bool();
    const same = pool.filter((c) => c.yes === wantYes);
    const from = same.length ? same : pool;
    for (let i = 0; i < 4; i++) {
      const c = rng.pick(from);
      if (push({ q: c.text(rng), a: c.yes ? 'yes' : 'no', kind, attr: c.attr, value: c.value })) return;
    }
  };
  const pickColor = () => {
    const names = (['hairColor', 'eyeColor', 'background', 'lipstick'] as const).filter(
      (n) => attrs[n] !== null && attrs[n] !== 'none' && F.color[n],
    );
    const n = rng.pick(names);
    push({
      q: fill(rng.pick(F.color[n] as string[])),
      a: answerText(attrs[n] as AttributeValue),
      kind: 'color',
      attr: n,
    });
  };
  const pickKind = () => {
    const names = (Object.keys(F.kind) as AttributeName[]).filter((n) => {
      const v = attrs[n];
      return v !== null && v !== 'none' && !(n === 'hairLength' && v === 'bald');
    });
    const n = rng.pick(names);
    push({
      q: fill(rng.pick(F.kind[n] as string[])),
      a: answerText(attrs[n] as AttributeValue),
      kind: 'kind',
      attr: n,
    });
  };
  const pickCount = () => {
    push({
      q: fill(rng.pick(F.count)),
      a: String(countAccessories(attrs)),
      kind: 'count',
      attr: 'accessories',
    });
  };
  const pickCompare = () => {
    const opts: QA[] = [];
    const idx = (n: AttributeName) => valuesOf(n).all.indexOf(attrs[n] as AttributeValue);
    const yn = (b: boolean) => (b ? 'yes' : 'no');
    if (attrs.hairLength !== null) {
      opts.push({
        q: fill(rng.pick(F.longer)),
        a: yn(idx('hairLength') > 3),
        kind: 'compare',
        attr: 'hairLength',
      });
      opts.push({
        q: fill(rng.pick(F.shorter)),
        a: yn(idx('hairLength') < 3),
        kind: 'compare',
        attr: 'hairLength',
      });
    }
    if (attrs.age !== null) {
      opts.push({ q: fill(rng.pick(F.older)), a: yn(attrs.age === 'old'), kind: 'compare', attr: 'age' });
      opts.push({ q: fill(rng.pick(F.younger)), a: yn(attrs.age === 'young'), kind: 'compare', attr: 'age' });
    }
    opts.push({ q: fill(rng.pick(F.darker)), a: yn(idx('skinTone') > 3), kind: 'compare', attr: 'skinTone' });
    if (attrs.noseSize !== null)
      opts.push({
        q: fill(rng.pick(F.bigNose)),
        a: yn(attrs.noseSize === 'large'),
        kind: 'compare',
        attr: 'noseSize',
      });
    if (attrs.hairColor !== null) {
      const d =
        HAIR_LUMA[attrs.hairColor] - BACKGROUND_LUMA[attrs.background as keyof typeof BACKGROUND_LUMA];
      if (Math.abs(d) > 0.2) {
        const a =
          phrasing === 'train' ? (d > 0 ? 'the hair' : 'the background') : d > 0 ? 'lighter' : 'darker';
        opts.push({ q: fill(rng.pick(F.lighter)), a, kind: 'compare', attr: 'hairColor|background' });
      }
    }
    // Balance yes and no like the other yes/no questions; "which is lighter" counts as either.
    const wantYes = rng.bool();
    const preferred = opts.filter((o) => (o.a === 'yes') === wantYes || (o.a !== 'yes' && o.a !== 'no'));
    const from = preferred.length ? preferred : opts;
    for (let i = 0; i < 4 && !push(rng.pick(from)); i++);
  };

  const plan: (() => void)[] = [
    () => pickYesNo(yesNo, 'yes-no'),
    () => pickYesNo(yesNo, 'yes-no'),
    () => pickYesNo(yesNo, 'yes-no'),
    () => pickYesNo(wearing, 'wearing'),
    pickColor,
    pickKind,
    pickCount,
    pickCompare,
  ];
  for (let i = 0; out.length < count && i < count * 3; i++) {
    const step =
      i < plan.length ? plan[i] : rng.pick([plan[0], plan[3], pickColor, pickKind, pickKind, pickCompare]);
    step();
  }
  return out.slice(0, count);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
