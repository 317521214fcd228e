// Samples the full attributes of one face, with the dependencies a real population has (facial hair on
// masculine faces, gray hair and wrinkles with age, lipstick mostly on feminine faces, …). Which of them
// the image can show is decided afterwards by visibleAttributes().
import type { Rng } from '../random.js';
import type { FaceAttributes, HairColor, HairLength } from './types.js';

export function sampleAttributes(rng: Rng): FaceAttributes {
  const gender = rng.pick(['feminine', 'masculine'] as const);
  const masc = gender === 'masculine';
  const age = rng.weighted(['young', 'middle-aged', 'old'] as const, [0.45, 0.33, 0.22]);
  const skinTone = rng.pick(['porcelain', 'fair', 'light-brown', 'olive', 'brown', 'dark'] as const);
  const light = skinTone === 'porcelain' || skinTone === 'fair';
  const skinTexture =
    age === 'young'
      ? rng.weighted(['smooth', 'freckles'] as const, [0.7, light ? 0.3 : 0.15])
      : rng.weighted(['smooth', 'freckles', 'wrinkles'] as const, [
          0.45,
          light ? 0.2 : 0.08,
          age === 'old' ? 0.5 : 0.3,
        ]);

  const hairLength: HairLength = masc
    ? rng.weighted(['bald', 'buzz', 'short', 'medium', 'long'] as const, [
        age === 'young' ? 0.05 : 0.18,
        0.2,
        0.35,
        0.17,
        0.1,
      ])
    : rng.weighted(['bald', 'buzz', 'short', 'medium', 'long'] as const, [0.03, 0.05, 0.2, 0.32, 0.4]);
  const hairColor: HairColor =
    age === 'old'
      ? rng.weighted(
          ['black', 'brown', 'blond', 'red', 'gray', 'white'] as const,
          [0.08, 0.1, 0.07, 0.03, 0.42, 0.3],
        )
      : age === 'middle-aged'
        ? rng.weighted(
            ['black', 'brown', 'blond', 'red', 'gray', 'white'] as const,
            [0.26, 0.3, 0.17, 0.1, 0.14, 0.03],
          )
        : rng.weighted(
            ['black', 'brown', 'blond', 'red', 'gray', 'white'] as const,
            [0.3, 0.32, 0.22, 0.13, 0.02, 0.01],
          );
  const hairType = rng.weighted(['straight', 'wavy', 'curly'] as const, [0.4, 0.3, 0.3]);
  const recedingHairline = masc && age !== 'young' && hairLength !== 'bald' ? rng.bool(0.35) : rng.bool(0.04);
  const bangs = recedingHairline
    ? 'none'
    : rng.weighted(['none', 'straight', 'side'] as const, [0.5, 0.25, 0.25]);

  const facialHair = masc
    ? rng.weighted(['none', 'stubble', 'goatee', 'full-beard'] as const, [0.4, 0.22, 0.16, 0.22])
    : 'none';
  const mustache = masc ? (facialHair === 'full-beard' ? true : rng.bool(0.3)) : false;
  const sideburns = masc && hairLength !== 'bald' ? rng.bool(0.4) : false;

  const makeup = !masc;
  const lipstick = makeup
    ? rng.weighted(['none', 'red', 'pink'] as const, [0.45, 0.3, 0.25])
    : rng.bool(0.03)
      ? 'red'
      : 'none';
  const blush = makeup ? rng.bool(0.4) : rng.bool(0.03);

  const faceMask = rng.bool(0.1);
  const hat = rng.weighted(['none', 'cap', 'beanie'] as const, [0.7, 0.15, 0.15]);

  return {
    faceShape: rng.pick(['oval', 'round', 'square', 'heart', 'long'] as const),
    skinTone,
    skinTexture,
    age,
    gender,
    hairColor,
    hairLength,
    hairType,
    bangs,
    recedingHairline,
    facialHair,
    mustache,
    sideburns,
    eyebrows: rng.weighted(
      ['thin', 'thick', 'arched'] as const,
      masc ? [0.25, 0.55, 0.2] : [0.35, 0.25, 0.4],
    ),
    eyeColor: rng.weighted(['brown', 'blue', 'green', 'gray'] as const, [0.4, 0.25, 0.2, 0.15]),
    noseSize: rng.pick(['small', 'medium', 'large'] as const),
    lipFullness: rng.pick(['thin', 'full'] as const),
    lipstick,
    blush,
    glasses: rng.weighted(['none', 'round', 'rectangular', 'sunglasses'] as const, [0.55, 0.15, 0.15, 0.15]),
    hat,
    earrings: rng.bool(masc ? 0.12 : 0.5),
    necklace: rng.bool(masc ? 0.12 : 0.4),
    faceMask,
    expression: rng.weighted(
      ['neutral', 'smiling', 'laughing', 'surprised', 'angry', 'sad'] as const,
      [0.22, 0.22, 0.14, 0.14, 0.14, 0.14],
    ),
    headYaw: rng.weighted(['left', 'frontal', 'right'] as const, [0.25, 0.5, 0.25]),
    headTilt: rng.weighted(['left', 'upright', 'right'] as const, [0.2, 0.6, 0.2]),
    background: rng.pick(['white', 'gray', 'blue', 'green', 'yellow', 'pink', 'purple', 'orange'] as const),
    lightDirection: rng.pick(['left', 'right', 'top', 'front'] as const),
  };
}
