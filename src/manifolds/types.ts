/**
 * Riemannian manifolds used by the flows (contract shared by IRCPM and CNF, see .tmp/FLOW_API.md).
 *
 * All tensors are tfjs float32, batched along axis 0. Points are stored in ambient coordinates: tori
 * (and the SU(N) maximal torus) as angles wrapped to [−π, π) by `exp`, spheres as unit vectors.
 */
import type { tf } from '../backend/index.ts';

export interface Manifold {
  readonly name: string; // 'circle' | 'torus2' | 'sphere2' | 'maxtorus3' ...
  readonly dim: number; // intrinsic dimension
  readonly ambientDim: number; // coordinates per point
  exp(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D; // v tangent at x (ambient coords)
  log(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D; // tangent at x, |log| = dist
  dist(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D;
  projTangent(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D;
  tangentBasis(x: tf.Tensor2D): tf.Tensor3D; // [B, dim, ambientDim], orthonormal rows
  sampleUniform(n: number, rng: () => number): tf.Tensor2D; // seeded from a JS rng
  readonly logVolume: number; // log of total volume (uniform log-density = −logVolume)
}
