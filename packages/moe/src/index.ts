export { balanceLoss, zLoss } from './balance-loss.js';
export type { DispatchPlan } from './dispatch.js';
export { gatherRows, plan, repeatRows, scatterRows } from './dispatch.js';
export { BUILTIN_TOKEN_EXPERT, ExpertBank, MlpExpert } from './experts.js';
export type {
  ExpertContext,
  ExpertLevel,
  SequenceExpert,
  SequenceExpertFactory,
  SequenceInput,
  TokenExpert,
  TokenExpertFactory,
} from './registry.js';
export { expertFactory, registerExpert, registeredExperts } from './registry.js';
export type { RouterOutput } from './router.js';
export { Router } from './router.js';
export type { FeatureFn } from './seq-experts.js';
export { ClipExpert, CopyExpert, FaceExpert, NoiseExpert, ZeroExpert } from './seq-experts.js';
export type { SeqMoEOptions, SeqMoEOutput, SeqRoutingRecord, SeqRoutingStats } from './seq-moe.js';
export { DEFAULT_SEQ_EXPERTS, SeqMoE } from './seq-moe.js';
export type { SlotLayout } from './shared-expert.js';
export type { TokenMoEOptions, TokenMoEOutput, TokenRoutingStats } from './token-moe.js';
export { TokenMoE } from './token-moe.js';
