// Statistics for canary evaluation and drift: pure numerics, seeded and deterministic.
export { mean } from "./mean.js";
export { normalCdf, normalQuantile, normalSf } from "./normal.js";
export type { Interval } from "./interval.js";
export { bootstrapMean, pairedClusterBootstrap, type BootstrapOptions } from "./bootstrap.js";
export { kolmogorovSf, ksTwoSample } from "./ks.js";
export { twoProportionZ, wilsonInterval } from "./proportions.js";
export { populationStabilityIndex } from "./psi.js";
