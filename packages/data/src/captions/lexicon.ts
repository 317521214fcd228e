// Phrases for every attribute value, in two disjoint sets: `train` (used by the training generator) and
// `heldout` (only for paraphrase-robustness evaluation). Every phrase names exactly one attribute value,
// so captions can be parsed back to attributes (parse.ts). Hair length, type and colour are adjectives
// that combine before a hair noun ("long, wavy red hair"); everything else is a whole phrase.
import type { AttributeName, FaceAttributes } from '../taxonomy/types.js';

export type Phrasing = 'train' | 'heldout';

interface Phrases {
  train: string[];
  heldout: string[];
}

type Table = { [K in AttributeName]?: Partial<Record<string, Phrases>> };

const p = (train: string[], heldout: string[]): Phrases => ({ train, heldout });

const COLORS = ['white', 'gray', 'blue', 'green', 'yellow', 'pink', 'purple', 'orange'] as const;

/** Whole phrases (noun phrases, or predicates for pose and light). */
export const PHRASES: Table = {
  faceShape: {
    oval: p(['an oval face', 'an oval-shaped face'], ['an egg-shaped face']),
    round: p(['a round face', 'a round, full face'], ['a circular face']),
    square: p(['a square face', 'a square-shaped face'], ['a squarish face']),
    heart: p(['a heart-shaped face'], ['a face shaped like a heart']),
    long: p(['a long face', 'an elongated face'], ['an oblong face']),
  },
  skinTone: {
    porcelain: p(['porcelain skin', 'very pale skin'], ['ivory skin']),
    fair: p(['fair skin', 'light, fair skin'], ['a fair complexion']),
    'light-brown': p(['light brown skin', 'tan skin'], ['a light brown complexion']),
    olive: p(['olive skin', 'an olive skin tone'], ['an olive complexion']),
    brown: p(['brown skin', 'a brown skin tone'], ['a medium brown complexion']),
    dark: p(['dark skin', 'deep brown skin'], ['a dark complexion']),
  },
  skinTexture: {
    smooth: p(['smooth skin', 'a smooth complexion'], ['an even, unblemished complexion']),
    freckles: p(['freckles', 'a sprinkling of freckles'], ['freckled cheeks']),
    wrinkles: p(['wrinkles', 'wrinkled skin'], ['lined, creased skin']),
  },
  bangs: {
    none: p(['no bangs'], ['no fringe']),
    straight: p(['straight bangs', 'a blunt fringe'], ['a straight-cut fringe']),
    side: p(['side-swept bangs', 'a side fringe'], ['bangs swept to one side']),
  },
  recedingHairline: {
    true: p(['a receding hairline'], ['a hairline that has receded']),
    false: p(['a full hairline'], ['an intact hairline']),
  },
  facialHair: {
    none: p(['no beard', 'no beard or stubble'], ['a beardless chin']),
    stubble: p(['stubble', 'light stubble'], ["a five o'clock shadow"]),
    goatee: p(['a goatee', 'a neat goatee'], ['a small chin beard']),
    'full-beard': p(['a full beard', 'a thick beard'], ['a bushy beard']),
  },
  mustache: {
    true: p(['a mustache', 'a moustache'], ['hair on the upper lip']),
    false: p(['no mustache'], ['a bare upper lip']),
  },
  sideburns: {
    true: p(['sideburns', 'visible sideburns'], ['long sideburns']),
    false: p(['no sideburns'], ['clean-shaven temples']),
  },
  eyebrows: {
    thin: p(['thin eyebrows', 'thin brows'], ['fine, narrow brows']),
    thick: p(['thick eyebrows', 'bushy brows'], ['heavy brows']),
    arched: p(['arched eyebrows', 'arched brows'], ['high-arched brows']),
  },
  eyeColor: {
    brown: p(['brown eyes', 'dark brown eyes'], ['hazel-brown eyes']),
    blue: p(['blue eyes', 'bright blue eyes'], ['sky-colored eyes']),
    green: p(['green eyes'], ['emerald eyes']),
    gray: p(['gray eyes', 'grey eyes'], ['slate-colored eyes']),
  },
  noseSize: {
    small: p(['a small nose', 'a little nose'], ['a petite nose']),
    medium: p(['a medium-sized nose', 'an average-sized nose'], ['a nose of ordinary size']),
    large: p(['a large nose', 'a prominent nose'], ['a big nose']),
  },
  lipFullness: {
    thin: p(['thin lips'], ['narrow lips']),
    full: p(['full lips', 'plump lips'], ['thick lips']),
  },
  lipstick: {
    none: p(['no lipstick'], ['unpainted lips']),
    red: p(['red lipstick', 'bright red lipstick'], ['crimson lip color']),
    pink: p(['pink lipstick'], ['rose-colored lip color']),
  },
  blush: {
    true: p(['blush on the cheeks', 'rosy blush'], ['rouged cheeks']),
    false: p(['no blush'], ['no rouge']),
  },
  glasses: {
    none: p(['no glasses'], ['no eyewear']),
    round: p(['round glasses', 'round-rimmed glasses'], ['circular spectacles']),
    rectangular: p(['rectangular glasses', 'rectangular-framed glasses'], ['boxy spectacles']),
    sunglasses: p(['sunglasses', 'dark sunglasses'], ['tinted shades']),
  },
  hat: {
    none: p(['no hat'], ['no headwear']),
    cap: p(['a cap', 'a baseball cap'], ['a peaked cap']),
    beanie: p(['a beanie', 'a knit beanie'], ['a woolly hat']),
  },
  earrings: {
    true: p(['earrings', 'dangling earrings'], ['ear jewelry']),
    false: p(['no earrings'], ['bare earlobes']),
  },
  necklace: {
    true: p(['a necklace', 'a pendant necklace'], ['a chain with a pendant']),
    false: p(['no necklace'], ['a bare neck']),
  },
  faceMask: {
    true: p(['a face mask', 'a mask over the nose and mouth'], ['a surgical mask']),
    false: p(['no face mask', 'no mask'], ['an uncovered nose and mouth']),
  },
  expression: {
    neutral: p(['a neutral expression', 'a calm, neutral expression'], ['a blank expression']),
    smiling: p(['a smile', 'a gentle smile'], ['a pleasant grin']),
    laughing: p(['a big laugh', 'a laughing expression'], ['an open-mouthed laugh']),
    surprised: p(['a surprised expression', 'a look of surprise'], ['an astonished look']),
    angry: p(['an angry expression', 'an angry frown'], ['a furious scowl']),
    sad: p(['a sad expression', 'a sorrowful look'], ['an unhappy look']),
  },
  headYaw: {
    left: p(['turned to the left', 'facing left'], ['glancing leftward']),
    frontal: p(['facing the camera', 'facing straight ahead'], ['looking directly at the viewer']),
    right: p(['turned to the right', 'facing right'], ['glancing rightward']),
  },
  headTilt: {
    left: p(['the head tilted to the left'], ['the head leaning leftward']),
    upright: p(['the head held upright', 'the head level'], ['the head held perfectly straight']),
    right: p(['the head tilted to the right'], ['the head leaning rightward']),
  },
  background: Object.fromEntries(
    COLORS.map((c) => [c, p([`a ${c} background`, `a plain ${c} background`], [`a ${c} backdrop`])]),
  ),
  lightDirection: {
    left: p(['lit from the left', 'lit by light from the left'], ['illuminated from the left side']),
    right: p(['lit from the right', 'lit by light from the right'], ['illuminated from the right side']),
    top: p(['lit from above', 'lit by light from above'], ['illuminated from overhead']),
    front: p(['lit from the front', 'lit by light from the front'], ['illuminated head-on']),
  },
};

/** Adjectives that combine before a hair noun. */
export const HAIR_WORDS: Table = {
  hairLength: {
    buzz: p(['buzzed', 'buzz-cut'], ['shorn']),
    short: p(['short', 'cropped'], ['short-cut']),
    medium: p(['shoulder-length', 'medium-length'], ['chin-length']),
    long: p(['long', 'flowing'], ['lengthy']),
  },
  hairType: {
    straight: p(['straight', 'sleek'], ['poker-straight']),
    wavy: p(['wavy'], ['undulating']),
    curly: p(['curly', 'tightly curled'], ['coily']),
  },
  hairColor: {
    black: p(['black', 'jet-black'], ['raven']),
    brown: p(['brown', 'chestnut'], ['brunette']),
    blond: p(['blond', 'golden'], ['flaxen']),
    red: p(['red', 'ginger'], ['auburn']),
    gray: p(['gray', 'grey'], ['silver-gray']),
    white: p(['white', 'snow-white'], ['platinum-white']),
  },
};
export const HAIR_NOUNS: Record<Phrasing, string[]> = { train: ['hair'], heldout: ['locks', 'tresses'] };
/** Phrases for bald heads (hairLength = bald). */
export const BALD: Phrases = p(['a bald head', 'a shaved, bald head'], ['a hairless scalp']);

/** Age adjectives and gender nouns of the opening sentence. */
export const AGE_WORDS: Record<FaceAttributes['age'], Phrases> = {
  young: p(['young', 'youthful'], ['young-looking']),
  'middle-aged': p(['middle-aged'], ['mature']),
  old: p(['elderly', 'old'], ['aged']),
};
export const GENDER_WORDS: Record<FaceAttributes['gender'], Phrases> = {
  feminine: p(['woman', 'feminine-presenting person'], ['lady']),
  masculine: p(['man', 'masculine-presenting person'], ['gentleman']),
};

export function phrasesFor(table: Table, name: AttributeName, value: unknown, phrasing: Phrasing): string[] {
  return table[name]?.[String(value)]?.[phrasing] ?? [];
}
