/**
 * Exact reference results every sampler is checked against (docs/design.md, "Exact reference results"):
 * modified Bessel functions, 2D U(1) in finite volume (plaquette, ⟨Q²⟩, χ_t), 2D SU(N)
 * (infinite volume and periodic torus) and single-matrix SU(N)/U(1) densities.
 */
export {
  besselI,
  besselI0,
  besselI1,
  besselIRatio,
  besselIScaled,
  logBesselI,
  logBesselIScaled,
  logBesselISigned,
  lnGamma,
} from './exact/bessel.ts';
export {
  u1Exact2D,
  u1ExactTorus,
  u1Infinite2D,
  u1GScaled,
  u1GScaledTail,
  u1WilsonLoop2D,
  u1WilsonLoopTorus,
  u1ChargeDistribution2D,
  u1ChargeDistributionTorus,
} from './exact/u1.ts';
export type { U1Exact, U1Derivs, U1ChargeDistribution } from './exact/u1.ts';
export {
  sunPlaquetteInfinite,
  sunLogZ,
  sunSinglePlaquette,
  sunCharacterCoeff,
  sunIrrepDimension,
  sunExact2D,
  sunExactTorus,
  sunWilsonLoop2D,
  sunWilsonLoopTorus,
  sunWilsonLoopInfinite,
} from './exact/sun.ts';
export type { CharacterCoeff } from './exact/sun.ts';
export { singleMatrixSUN, singleMatrixU1, SINGLE_MATRIX_MAX_N } from './exact/single-matrix.ts';
export type { SingleMatrixResult, SingleMatrixOptions } from './exact/single-matrix.ts';
export { gaussLegendre, integrateVector } from './exact/quadrature.ts';
export { ExactBudgetError, type ExactBudget } from './exact/validate.ts';
