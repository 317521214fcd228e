export type { CelebaAttrFile, CelebaLabels } from './celeba.js';
export { CELEBA_ATTRIBUTES, celebaToAttributes, knownCount, parseCelebaAttrs } from './celeba.js';
export type { FaceAnnotatorOptions, FaceCue } from './faces.js';
export { cuesToAttributes, FaceAnnotator } from './faces.js';
export type { RgbImage } from './image.js';
export { alignByEyes, celebaCrop, cropResize, decodeImage, warpAffine } from './image.js';
export type { Describe, IngestOptions, IngestQaPair, IngestReport } from './ingest.js';
export { ingestFolder } from './ingest.js';
