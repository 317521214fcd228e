export { sampleAttributes } from './sample.js';
export { ATTRIBUTE_NAMES, attributeSpec, matchesCondition, TAXONOMY_VERSION, taxonomy } from './taxonomy.js';
export type * from './types.js';
export { validateRecord, visibleAttributes } from './visibility.js';
