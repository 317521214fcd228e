export type { RgbImage } from './images.js';
export {
  arrayToImages,
  byteToUnit,
  imagesToArray,
  imagesToTensor,
  tensorToImages,
  unitToByte,
} from './images.js';
export type { CaptionScores } from './metrics/captions.js';
export { captionScores } from './metrics/captions.js';
export type { FeatureMatrix, GaussianStats } from './metrics/frechet.js';
export {
  frechetDistance,
  frechetFromFeatures,
  gaussianStats,
  meanPairwiseDistance,
  sqrtmSymmetric,
  symmetricEigen,
} from './metrics/frechet.js';
export type { GenerationScores, StatedAttributes } from './metrics/generation.js';
export { generationAccuracy, statedAttributes } from './metrics/generation.js';
export type { Tally } from './metrics/tally.js';
export type { VqaItem, VqaScores } from './metrics/vqa.js';
export { normalizeAnswer, questionGroup, vqaAccuracy } from './metrics/vqa.js';
export type { AttributeAccuracy, ProbeAccuracy } from './probe/accuracy.js';
export { judgedAccuracy, probeAccuracy } from './probe/accuracy.js';
export type { AugmentOptions } from './probe/augment.js';
export { augmentInto, blurHwc, DEFAULT_AUGMENT, jpegBytes, shiftImage } from './probe/augment.js';
export type { FaceProbeConfig, UnreliableAttribute } from './probe/config.js';
export { DEFAULT_NET, defaultProbeConfig, validateProbeConfig } from './probe/config.js';
export type { LabelledFace } from './probe/faces.js';
export { faceRecord, heldOutFaces, renderLabelled, splitSeeds } from './probe/faces.js';
export type { HeadLayout, HeadSpec } from './probe/heads.js';
export { decodeRow, HIDDEN, headLayout, recordTargets } from './probe/heads.js';
export type {
  AmbiguityTier,
  Counterfactual,
  CounterfactualOptions,
  RenderDiff,
} from './probe/identifiability.js';
export {
  AMBIGUITY_TIERS,
  counterfactuals,
  faceCredit,
  labelSets,
  renderDiff,
  samplerAllows,
} from './probe/identifiability.js';
export type { JpegLossyOptions } from './probe/jpeg.js';
export { jpegLossy, jpegQuantTables } from './probe/jpeg.js';
export { headWeights, probeLoss } from './probe/loss.js';
export type { ProbeNetConfig } from './probe/model.js';
export { ProbeNet } from './probe/model.js';
export type { LoadOptions, LoadProgress, ProbeInput, ProbePrediction } from './probe/probe.js';
export { FaceProbe, SHIPPED_PROBE } from './probe/probe.js';
export type { View } from './probe/views.js';
export { CROSS_VIEWS, shiftBatch } from './probe/views.js';
export type { Corruption } from './report/corrupt.js';
export { blurred, jpegRoundTrip, shifted, standardCorruptions } from './report/corrupt.js';
export type { GenerationReport, HeldOutOptions, RobustnessRow } from './report/evaluate.js';
export {
  evaluateCaptions,
  evaluateGeneration,
  evaluateProbe,
  evaluateRobustness,
  evaluateVqa,
} from './report/evaluate.js';
export type { TextOptions } from './report/font.js';
export {
  ADVANCE,
  drawText,
  GLYPH_HEIGHT,
  GLYPH_WIDTH,
  hasGlyph,
  measureText,
  wrapText,
} from './report/font.js';
export type { GridCell, GridLine, GridOptions, Rgb } from './report/grid.js';
export { attributeCell, GREEN, gridImage, gridPng, INK, RED } from './report/grid.js';
export type { Align, Cell } from './report/markdown.js';
export { accuracyTable, markdownTable, pct } from './report/markdown.js';
export { modelCard } from './report/model-card.js';
