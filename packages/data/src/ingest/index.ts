export { CELEBA_ATTRIBUTES, celebaToAttributes, knownCount, parseCelebaAttrs } from './celeba.js';
export type { CelebaAttrFile, CelebaLabels } from './celeba.js';
export { FaceAnnotator, cuesToAttributes } from './faces.js';
export type { FaceAnnotatorOptions, FaceCue } from './faces.js';
export { alignByEyes, celebaCrop, cropResize, decodeImage, warpAffine } from './image.js';
export type { RgbImage } from './image.js';
export { ingestFolder } from './ingest.js';
export type { Describe, IngestOptions, IngestReport, QaPair } from './ingest.js';
