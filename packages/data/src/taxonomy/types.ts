// Types of the attribute taxonomy (taxonomy/taxonomy.v1.json). taxonomy.test.ts checks that these unions
// list exactly the values of the JSON file.

export type FaceShape = 'oval' | 'round' | 'square' | 'heart' | 'long';
export type SkinTone = 'porcelain' | 'fair' | 'light-brown' | 'olive' | 'brown' | 'dark';
export type SkinTexture = 'smooth' | 'freckles' | 'wrinkles';
export type Age = 'young' | 'middle-aged' | 'old';
export type Gender = 'feminine' | 'masculine';
export type HairColor = 'black' | 'brown' | 'blond' | 'red' | 'gray' | 'white';
export type HairLength = 'bald' | 'buzz' | 'short' | 'medium' | 'long';
export type HairType = 'straight' | 'wavy' | 'curly';
export type Bangs = 'none' | 'straight' | 'side';
export type FacialHair = 'none' | 'stubble' | 'goatee' | 'full-beard';
export type Eyebrows = 'thin' | 'thick' | 'arched';
export type EyeColor = 'brown' | 'blue' | 'green' | 'gray';
export type NoseSize = 'small' | 'medium' | 'large';
export type LipFullness = 'thin' | 'full';
export type Lipstick = 'none' | 'red' | 'pink';
export type Glasses = 'none' | 'round' | 'rectangular' | 'sunglasses';
export type Hat = 'none' | 'cap' | 'beanie';
export type Expression = 'neutral' | 'smiling' | 'laughing' | 'surprised' | 'angry' | 'sad';
/** Direction the nose points, as seen by the viewer. */
export type HeadYaw = 'left' | 'frontal' | 'right';
/** Side the top of the head leans to, as seen by the viewer. */
export type HeadTilt = 'left' | 'upright' | 'right';
export type Background = 'white' | 'gray' | 'blue' | 'green' | 'yellow' | 'pink' | 'purple' | 'orange';
/** Side the light comes from, as seen by the viewer. */
export type LightDirection = 'left' | 'right' | 'top' | 'front';

/** Everything the renderer draws: the full truth of one face. */
export interface FaceAttributes {
  faceShape: FaceShape;
  skinTone: SkinTone;
  skinTexture: SkinTexture;
  age: Age;
  gender: Gender;
  hairColor: HairColor;
  hairLength: HairLength;
  hairType: HairType;
  bangs: Bangs;
  recedingHairline: boolean;
  facialHair: FacialHair;
  mustache: boolean;
  sideburns: boolean;
  eyebrows: Eyebrows;
  eyeColor: EyeColor;
  noseSize: NoseSize;
  lipFullness: LipFullness;
  lipstick: Lipstick;
  blush: boolean;
  glasses: Glasses;
  hat: Hat;
  earrings: boolean;
  necklace: boolean;
  faceMask: boolean;
  expression: Expression;
  headYaw: HeadYaw;
  headTilt: HeadTilt;
  background: Background;
  lightDirection: LightDirection;
}

export type AttributeName = keyof FaceAttributes;
export type AttributeValue = FaceAttributes[AttributeName];

/**
 * What a record claims: the attributes with every value the image cannot show (an occluded or
 * inapplicable one, e.g. eye colour behind sunglasses) replaced by null.
 */
export type VisibleAttributes = { [K in AttributeName]: FaceAttributes[K] | null };

export type AttributeKind = 'categorical' | 'ordinal' | 'boolean';

/** One condition: every named attribute has one of the listed values. */
export type AttributeCondition = Partial<Record<AttributeName, AttributeValue[]>>;

export interface AttributeSpec {
  name: AttributeName;
  group: string;
  kind: AttributeKind;
  values: AttributeValue[];
  /** The attribute is not visible when any of these conditions holds. */
  hiddenWhen?: AttributeCondition[];
}

export interface Taxonomy {
  name: string;
  version: string;
  description: string;
  attributes: AttributeSpec[];
}
