/**
 * MCMC diagnostics (docs/design.md, "MCMC" / "Diagnostics"): Γ-method errors and autocorrelation
 * times, importance-weight ESS, split and rank-normalised R̂, blocked jackknife and bootstrap.
 */
export { gammaMethod, gammaMethodDerived, asReplicas } from './gamma.ts';
export type { Series, Replicas, GammaOptions, GammaResult } from './gamma.ts';
export { importanceEss, logMeanExp } from './weights.ts';
export { emptyImportance, addLogWeight, mergeImportance, importanceEssOfSums } from './importance_stream.ts';
export type { ImportanceSums } from './importance_stream.ts';
export { splitRhat, rankRhat } from './rhat.ts';
export type { RankRhat } from './rhat.ts';
export { jackknife, bootstrap } from './resample.ts';
export type { JackknifeResult, BootstrapResult, ResampleOptions, BootstrapOptions } from './resample.ts';
