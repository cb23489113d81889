/**
 * Riemannian manifolds used by the flows (the contract shared by IRCPM and CNF).
 *
 * All tensors are tfjs float32, batched along axis 0. Points are stored in ambient coordinates: tori
 * (and the SU(N) maximal torus) as angles wrapped to [−π, π) by `exp`, spheres as unit vectors.
 *
 * Flows choose their geometry from the capabilities below (`kind`, `metric`, `suN`), never from the
 * name, which is only for files and the command line (`manifoldByName`).
 */
import type { tf } from '../backend/index.ts';

export type ManifoldKind = 'flat-torus' | 'sphere';

export interface Manifold {
  readonly name: string; // 'circle' | 'torus2' | 'sphere2' | 'maxtorus3' ... (I/O only)
  /** 'flat-torus': ℝⁿ/2πℤⁿ in angle coordinates with a constant metric; 'sphere': the unit Sⁿ ⊂ ℝⁿ⁺¹ */
  readonly kind: ManifoldKind;
  /**
   * Flat tori: the constant metric (Gram matrix, dim × dim) in the angle coordinates — the identity on
   * Tⁿ, I + 11ᵀ on the SU(N) maximal torus. null on a sphere (the round metric of the embedding).
   */
  readonly metric: readonly (readonly number[])[] | null;
  /** the SU(N) maximal torus: N (its coordinates are the N−1 free eigen-phases); absent otherwise */
  readonly suN?: number;
  readonly dim: number; // intrinsic dimension
  readonly ambientDim: number; // coordinates per point
  exp(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D; // v tangent at x (ambient coords)
  log(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D; // tangent at x, |log| = dist
  dist(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D;
  projTangent(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D;
  tangentBasis(x: tf.Tensor2D): tf.Tensor3D; // [B, dim, ambientDim], orthonormal rows in the metric
  sampleUniform(n: number, rng: () => number): tf.Tensor2D; // seeded from a JS rng
  /**
   * log of the total volume (uniform log-density = −logVolume). On flat tori volumes and densities are
   * with respect to the coordinate measure dθ₁…dθ_n, (2π)ⁿ in total: the Riemannian volume element is
   * √det G times it, a constant that cancels in every normalised density.
   */
  readonly logVolume: number;
}
