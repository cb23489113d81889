/**
 * The flat torus Tⁿ = ℝⁿ / 2πℤⁿ with a constant metric G (the Euclidean one unless given), points
 * stored as angles in [−π, π). Geodesics are straight lines in the angles for every constant metric,
 * so exp wraps x + v; log takes the shortest difference in the metric: the coordinate-wise wrapped
 * one for G = I, otherwise the shortest of its shifts by 2π·s, s ∈ {−1, 0, 1}ⁿ (ties are measure zero).
 */
import { tf } from '../backend/index.ts';
import type { Manifold } from './types.ts';
import { uniformAngles } from './random.ts';
import { identityMetric, isIdentityMetric, orthonormalFrame, type Metric } from './metric.ts';

const TWO_PI = 2 * Math.PI;

/** Wrap angles to [−π, π). floor has zero gradient, so d wrap(a)/da = 1 everywhere but the cut. */
export function wrapAngle<T extends tf.Tensor>(a: T): T {
  return tf.sub(a, tf.mul(TWO_PI, tf.floor(tf.div(tf.add(a, Math.PI), TWO_PI)))) as T;
}

export class FlatTorus implements Manifold {
  readonly kind = 'flat-torus' as const;
  readonly ambientDim: number;
  readonly logVolume: number;
  readonly metric: Metric;
  /** null for G = I */
  private readonly frame: number[][] | null;
  /** the 3ⁿ shifts 2π·s tried by log for G ≠ I, [S, n] */
  private readonly shifts: number[][] | null;
  constructor(
    readonly dim: number,
    readonly name = `torus${dim}`,
    metric?: Metric,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`torus dimension must be a positive integer, got ${dim}`);
    if (metric && metric.length !== dim) throw new Error(`torus metric must be ${dim}×${dim}, got ${metric.length} rows`);
    this.ambientDim = dim;
    this.logVolume = dim * Math.log(TWO_PI);
    this.metric = metric ?? identityMetric(dim);
    const flat = isIdentityMetric(this.metric);
    this.frame = flat ? null : orthonormalFrame(this.metric);
    let shifts: number[][] = [[]];
    if (!flat) for (let i = 0; i < dim; i++) shifts = shifts.flatMap((s) => [-1, 0, 1].map((v) => [...s, TWO_PI * v]));
    this.shifts = flat ? null : shifts;
  }
  exp(x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => wrapAngle(tf.add(x, v)));
  }
  log(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy((): tf.Tensor2D => {
      const w = wrapAngle(tf.sub(y, x));
      if (!this.shifts) return w as tf.Tensor2D;
      // candidates w + 2πs [B, S, n]; keep the one of least squared G-norm (the choice is a constant)
      const cand = tf.add(tf.expandDims(w, 1), tf.tensor3d([this.shifts]));
      const norms = tf.sum(tf.mul(tf.matMul(tf.reshape(cand, [-1, this.dim]), tf.tensor2d(this.metric as number[][])), tf.reshape(cand, [-1, this.dim])), 1);
      const pick = tf.oneHot(tf.argMin(tf.reshape(norms, [-1, this.shifts.length]), 1), this.shifts.length).toFloat();
      return tf.sum(tf.mul(cand, tf.expandDims(pick, 2)), 1) as tf.Tensor2D;
    });
  }
  /** |v|_G = √(vᵀGv) of tangent vectors in angle coordinates, [B, n] → [B] */
  norm(v: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      if (!this.frame) return tf.sqrt(tf.sum(tf.square(v), 1)) as tf.Tensor1D;
      return tf.sqrt(tf.sum(tf.mul(tf.matMul(v, tf.tensor2d(this.metric as number[][])), v), 1)) as tf.Tensor1D;
    });
  }
  dist(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => this.norm(this.log(x, y)));
  }
  projTangent(_x: tf.Tensor2D, v: tf.Tensor2D): tf.Tensor2D {
    return tf.clone(v);
  }
  /** rows of L⁻¹ (G = LLᵀ): orthonormal in the metric G (the identity for G = I) */
  tangentBasis(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => tf.tile(tf.expandDims(this.frame ? tf.tensor2d(this.frame) : tf.eye(this.dim), 0), [x.shape[0], 1, 1]) as tf.Tensor3D);
  }
  sampleUniform(n: number, rng: () => number): tf.Tensor2D {
    return tf.tensor2d(uniformAngles(n, this.dim, rng), [n, this.dim]);
  }
}

export const circle: Manifold = new FlatTorus(1, 'circle');
export function torus(n: number): FlatTorus {
  return new FlatTorus(n);
}
