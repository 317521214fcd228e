export { sampleAttributes } from './sample.js';
export {
  ACCESSORIES,
  ATTRIBUTE_NAMES,
  attributeSpec,
  matchesCondition,
  TAXONOMY_VERSION,
  taxonomy,
  wearsAccessory,
} from './taxonomy.js';
export type * from './types.js';
export { validateRecord, visibleAttributes } from './visibility.js';
