// Checking a description before it reaches the model: empty and oversized prompts are refused with a message
// that says what to do; words the model never saw in training, and prompts that name no attribute, are
// allowed but flagged. Shared by the page and the CLI (no Node, no DOM).
import {
  ATTRIBUTE_NAMES,
  type AttributeName,
  type AttributeValue,
  faceSeed,
  makeCaption,
  makeQuestions,
  PHRASES,
  parseCaption,
  Rng,
  sampleAttributes,
  visibleAttributes,
} from '@unif2ace/data';

/** Longer descriptions are refused before tokenising (a training caption is 40–120 words, ~250–700 chars). */
export const MAX_PROMPT_CHARS = 2000;

export interface PromptCheck {
  /** The prompt as sent to the model (trimmed, whitespace runs collapsed). */
  text: string;
  /** Set when the prompt cannot be used; says why and what to do. */
  error?: string;
  /** Things worth knowing that do not stop generation. */
  warnings: string[];
  /** The attribute values the prompt states, as data's caption parser reads them. */
  stated: Partial<Record<AttributeName, AttributeValue>>;
  /** Words the caption and question generators never produce (so the model never saw them). */
  unknown: string[];
}

const WORD_RE = /[a-z]+(?:['’-][a-z]+)*/g;

/** The words of `text`, lower case, in order. */
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD_RE) ?? [];
}

let vocabulary: Set<string> | null = null;

/**
 * Every word the training data can contain: the words of many generated captions (both phrasings) and
 * questions, plus every phrase of the lexicon. Built once (about 50 ms), deterministically.
 */
export function knownWords(): Set<string> {
  if (vocabulary) return vocabulary;
  const set = new Set<string>();
  const add = (t: string) => {
    for (const w of words(t)) set.add(w);
  };
  for (const table of Object.values(PHRASES)) {
    for (const byValue of Object.values(table ?? {}))
      for (const p of [...(byValue?.train ?? []), ...(byValue?.heldout ?? [])]) add(p);
  }
  for (let i = 0; i < 400; i++) {
    const seed = faceSeed(7, i);
    const record = visibleAttributes(sampleAttributes(Rng.derive(seed, 'attributes')));
    for (const phrasing of ['train', 'heldout'] as const) {
      add(makeCaption(record, Rng.derive(seed, `caption-${phrasing}`), { phrasing }).text);
      for (const qa of makeQuestions(record, Rng.derive(seed, `questions-${phrasing}`), { phrasing })) {
        add(qa.q);
        add(qa.a);
      }
    }
  }
  for (const n of ATTRIBUTE_NAMES) add(n.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`));
  vocabulary = set;
  return set;
}

/** Checks a description; never throws. */
export function checkPrompt(raw: string, known: Set<string> = knownWords()): PromptCheck {
  const text = raw.replace(/\s+/g, ' ').trim();
  const result: PromptCheck = { text, warnings: [], stated: {}, unknown: [] };
  if (!text) {
    result.error =
      'The description is empty: say what the face looks like, e.g. "a young woman with long red hair".';
    return result;
  }
  if (text.length > MAX_PROMPT_CHARS) {
    result.error =
      `The description is ${text.length.toLocaleString('en-US')} characters long; the limit is ` +
      `${MAX_PROMPT_CHARS} (a few sentences). Shorten it.`;
    return result;
  }
  const all = words(text);
  result.unknown = [...new Set(all.filter((w) => !known.has(w)))];
  result.stated = parseCaption(text).attributes;
  if (result.unknown.length) {
    const list = result.unknown.slice(0, 8).map((w) => `"${w}"`);
    if (result.unknown.length > 8) list.push(`and ${result.unknown.length - 8} more`);
    result.warnings.push(`Words the model never saw in training (it will ignore them): ${list.join(', ')}.`);
  }
  if (Object.keys(result.stated).length === 0)
    result.warnings.push(
      'The description names no attribute the model knows (hair, eyes, glasses, background, …): the face will be random.',
    );
  return result;
}
