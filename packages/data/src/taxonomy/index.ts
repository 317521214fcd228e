export { sampleAttributes } from './sample.js';
export { ATTRIBUTE_NAMES, TAXONOMY_VERSION, attributeSpec, matchesCondition, taxonomy } from './taxonomy.js';
export type * from './types.js';
export { validateRecord, visibleAttributes } from './visibility.js';
