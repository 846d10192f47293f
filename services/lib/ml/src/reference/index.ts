// Plain TypeScript versions of the models' forward passes and training steps: the independent
// computation tests check the ONNX graphs against, and the benchmark's baseline.
export { adamwStep, type RefLazyRows, type RefParam } from "./adamw.js";
export { pairBatchRows, rewardForwardReference, rewardPairStepReference, rewardReferenceState, type RewardReferenceState } from "./reward.js";
export { policyCeStepReference, policyForwardReference, policyReferenceState, type PolicyReferenceState } from "./policy.js";
